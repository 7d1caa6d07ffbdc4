"""The doors into the service besides the page: one endpoint function per task spec (serving/api.py: the Gradio API
and MCP tools), plain REST and OpenAI-compatible routes (serving/rest/), who a request comes from (clients.py), the
HTTP body limit (body_limit.py), every route and what it enforces (doors.py, held by the gate: gate.py; uploads:
uploads.py) and patches to Gradio (gradio_patches.py)."""
