"""One module per tab: a dataclass of its output components, module-level handlers that call the service and
render with plots/, and build(service, lang) -> TabLink. The Generate tab is split in four (generation*.py)."""
