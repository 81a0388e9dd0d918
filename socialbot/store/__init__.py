"""The store: SQLAlchemy models, engines and migrations."""

from socialbot.store.access import ApiToken, SignInAttempt, SignInLink, UserSession
from socialbot.store.accounts import Account, AuditEvent, Role, User
from socialbot.store.base import Base
from socialbot.store.counters import Counter
from socialbot.store.events import Event
from socialbot.store.groups import Group, Source
from socialbot.store.posts import Moderation, Post
from socialbot.store.schedule import Delivery, DeliveryPart, DeliveryState, ScheduledPost

__all__ = [
    "Account",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Counter",
    "Delivery",
    "DeliveryPart",
    "DeliveryState",
    "Event",
    "Group",
    "Moderation",
    "Post",
    "Role",
    "ScheduledPost",
    "SignInAttempt",
    "SignInLink",
    "Source",
    "User",
    "UserSession",
]
