"""A launched app through its doors: gradio_client, plain HTTP (REST, OpenAI, MCP) and its lifecycle."""
