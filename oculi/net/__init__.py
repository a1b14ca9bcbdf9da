"""Outbound network access: the one guard every server-side request to a caller's URL goes through
(webhook deliveries, image upload by URL), so that a caller cannot make the service reach its own network."""
