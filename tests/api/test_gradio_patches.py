"""The lazy session-config patch: active on the pinned gradio, and gradio's own snapshot stays complete."""

import gradio as gr

from llm_playground.serving import gradio_patches


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


def test_installed_gradio_is_the_version_the_patches_were_written_for():
    """The patches reach into gradio's internals: on another version they must be re-checked, not skipped."""
    assert gr.__version__ == gradio_patches.PATCHED_VERSION, (
        f"gradio {gr.__version__} is installed; serving/gradio_patches.py was written for "
        f"{gradio_patches.PATCHED_VERSION}: re-check SessionState.__init__ and Queue analytics, then update it")


def two_apps() -> tuple[gr.Blocks, gr.Blocks]:
    with gr.Blocks() as one:
        gr.Textbox()
    with gr.Blocks() as two:
        gr.Textbox()
    one.queue()
    two.queue()
    return one, two


def test_analytics_patch_is_per_app():
    one, two = two_apps()
    gradio_patches.fewer_analytics_summaries(one)
    assert one._queue.ANAYLTICS_CACHE_FREQUENCY == gradio_patches.ANALYTICS_EVERY
    assert two._queue.ANAYLTICS_CACHE_FREQUENCY == 1


def test_queue_polling_patch_is_per_app():
    one, two = two_apps()
    gradio_patches.quieter_queue_polling(one)
    assert one._queue.sleep_when_free == gradio_patches.QUEUE_POLL
    assert two._queue.sleep_when_free == 0.001  # gradio's own, untouched


def _run(coroutine):
    """On a thread of its own: earlier tests (Playwright's sync API) can leave an event loop running here."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_plain_results_pass_gradio_unwalked_and_other_results_are_walked_as_before():
    from gradio import processing_utils

    assert gradio_patches.no_file_scan_of_plain_results()
    assert gradio_patches.no_file_scan_of_plain_results()  # twice: still one wrapper
    block = gr.JSON()
    plain = gradio_patches.NoFiles({"tokens": [{"token": "a", "top": [{"id": 1}]}]})
    assert _run(processing_utils.async_move_files_to_cache(plain, block, postprocess=True)) is plain
    outputs = [plain]
    assert processing_utils.add_root_url(outputs, "http://host", None) is outputs
    # anything else is still walked: a file payload gets its URL, a plain dict comes back as a new copy
    ordinary = {"tokens": [1, 2]}
    walked = _run(processing_utils.async_move_files_to_cache(ordinary, block, postprocess=True))
    assert walked == ordinary and walked is not ordinary
    file = {"path": "x.png", "url": "/gradio_api/file=x.png", "meta": {"_type": "gradio.FileData"}}
    assert processing_utils.add_root_url([file], "http://host", None)[0]["url"] == "http://host/gradio_api/file=x.png"
