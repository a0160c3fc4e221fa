"""The appliance's HTTP and websocket API as plain async Python (httpx, websockets; no Qt)."""
