"""The payroll officer's web pages (server-rendered Jinja2 templates, no JavaScript)."""
