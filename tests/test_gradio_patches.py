"""The lazy session-config patch: active on the pinned gradio, and gradio's own snapshot stays complete."""

import gradio as gr

from llm_playground.ui import gradio_patches


def test_patch_active_and_snapshot_complete():
    assert gradio_patches.lazy_session_configs()
    from gradio.state_holder import SessionState

    with gr.Blocks() as demo:
        box = gr.Textbox(value="hello")
        gr.Number(value=3)
    state = SessionState(demo)
    assert state.config_values == {}  # nothing rendered up front: the point of the patch
    configs = list(state.components)
    expected = [demo.default_config.config_for_block(k, [], b) for k, b in demo.default_config.blocks.items()
                if k in demo.blocks]
    assert len(configs) == len([c for c in expected if c])
    assert any(c.get("props", {}).get("value") == "hello" for c in configs)
    state._update_value_in_config(box._id, "changed")  # gradio's per-event path still works
    assert state.config_values[box._id]["props"]["value"] == "changed"
