"""数据管理员控制台: the stewards' web console over the published warehouse and the decisions file."""
