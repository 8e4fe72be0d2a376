"""Replies for the cogs: the one implementation is bot/replies.py, which the bot's own command
error handler uses too (bot never imports cogs)."""

from bot.replies import send_error

__all__ = ["send_error"]
