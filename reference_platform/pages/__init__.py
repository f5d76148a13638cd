"""The learner's web pages: server-rendered Jinja2 templates and one small vanilla-JS module."""
