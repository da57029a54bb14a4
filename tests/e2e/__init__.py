"""Browser tests: headless Chromium against the console served over a shared published run."""
