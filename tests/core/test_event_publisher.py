"""A process without the web app (the worker) publishes live events straight to Redis."""

import json
import time

import redis

from core import events
from core.contracts import Event
from core.settings import Settings
from tests.support.services import REDIS_URL


def test_worker_process_events_reach_the_shared_redis_channel(runtime):
    saved = (events._channels, events._channel, events._redis_url)
    settings = Settings(instance_name=f"pub{int(time.time() * 1000)}", redis_url=REDIS_URL)
    subscriber = redis.Redis.from_url(REDIS_URL).pubsub()
    try:
        events._channels = None  # as in `kontakt worker`: no web app, no channels plugin
        events.configure_publisher(settings)
        subscriber.subscribe(events.channel_name())
        assert subscriber.get_message(timeout=5)["type"] == "subscribe"
        events.publish(Event("sla.breach", {"number": "KC-1"}, users=("agent-user",)))
        message = subscriber.get_message(timeout=5)
        assert message is not None and message["type"] == "message"
        body = json.loads(message["data"])
        assert body["type"] == "sla.breach" and body["users"] == ["agent-user"]
    finally:
        subscriber.close()
        events._channels, events._channel, events._redis_url = saved
