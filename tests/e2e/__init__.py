"""Browser tests (headless Chromium) and the generated warehouse the console tests share."""
