"""Functions a UI framework calls with the values of its input components: a gradio event handler
takes each of a Dropdown's or Radio's choices (and anything users type, when the component allows it)."""

from __future__ import annotations

from resolving import refs


def cands(ref) -> list[tuple]:
    return [(c.model, c.pin, c.line) for c in ref.candidates or ()]


# A voice-chat demo in the style of Hugging Face Spaces: a dropdown picks the chat model, a button loads it.
SPACE_APP = '''
    import gradio as gr
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    CHAT_MODELS = [
        "Qwen/Qwen2.5-3B-Instruct",
        "microsoft/Phi-4-mini-instruct",
    ]
    chat_model = None

    def load_chat_model(chat_model_name):
        global chat_model, chat_tokenizer
        chat_model = AutoModelForCausalLM.from_pretrained(chat_model_name, torch_dtype="auto")
        chat_tokenizer = AutoTokenizer.from_pretrained(chat_model_name)
        return gr.update(visible=False)

    with gr.Blocks() as demo:
        model_choice = gr.Dropdown(choices=CHAT_MODELS, value=CHAT_MODELS[0], label="Chat model"{custom})
        load_btn = gr.Button("Load chat model", variant="primary")
        load_btn.click(load_chat_model, inputs=[model_choice], outputs=[load_btn])

    demo.launch()
'''


def test_a_dropdown_feeds_each_of_its_choices_to_the_handler():
    found = refs(SPACE_APP.format(custom=""))
    assert [r.api for r in found] == ["transformers.AutoModelForCausalLM.from_pretrained",
                                      "transformers.AutoTokenizer.from_pretrained"]
    for ref in found:
        assert ref.model is None and ref.pin == "mutable"
        assert cands(ref) == [("Qwen/Qwen2.5-3B-Instruct", "mutable", 21), ("microsoft/Phi-4-mini-instruct", "mutable", 21)]


def test_a_dropdown_users_can_type_into_adds_an_unknown_candidate():
    found = refs(SPACE_APP.format(custom=", allow_custom_value=True"))
    ref = found[0]
    assert ref.pin == "unknown"
    assert cands(ref) == [("Qwen/Qwen2.5-3B-Instruct", "mutable", 21), ("microsoft/Phi-4-mini-instruct", "mutable", 21),
                          (None, "unknown", 21)]
    assert "takes values users type in" in ref.candidates[2].provenance


def test_radio_with_label_value_pairs_an_interface_and_a_direct_call():
    found = refs('''
        import gradio as gr
        from diffusers import StableDiffusionXLPipeline

        STYLES = [("Fast", "stabilityai/sdxl-turbo"), ("Quality", "stabilityai/stable-diffusion-xl-base-1.0")]

        def generate(checkpoint, prompt):
            pipe = StableDiffusionXLPipeline.from_pretrained(checkpoint, variant="fp16")
            return pipe(prompt).images[0]

        warmup = generate("stabilityai/sdxl-turbo", "a cat")
        demo = gr.Interface(generate, inputs=[gr.Radio(STYLES, label="Model"), gr.Textbox(label="Prompt")], outputs="image")
    ''')
    ref = found[0]
    # The direct call and the first choice agree: that one candidate is at the call.
    assert cands(ref) == [("stabilityai/sdxl-turbo", "mutable", 11),
                          ("stabilityai/stable-diffusion-xl-base-1.0", "mutable", 12)]


def test_free_text_inputs_and_handlers_used_elsewhere_stay_unknown():
    found = refs('''
        import gradio as gr
        from sentence_transformers import SentenceTransformer

        def embed(model_name, text):
            return SentenceTransformer(model_name).encode(text)

        with gr.Blocks() as demo:
            name = gr.Textbox(value="sentence-transformers/all-MiniLM-L6-v2", label="Model")
            text = gr.Textbox(label="Text")
            gr.Button("Embed").click(embed, [name, text], "json")
    ''')
    ref = found[0]
    assert ref.model is None and ref.pin == "unknown"
    assert [(c.model, c.line, c.provenance) for c in ref.candidates] == [
        (None, 11, "what users enter in the input component name (example.py:9)")]
    assert ref.provenance == "1 candidate: <unknown> (example.py:11)"


def test_a_handler_also_passed_to_something_else_keeps_its_unknown_caller():
    found = refs('''
        import gradio as gr
        from concurrent.futures import ThreadPoolExecutor
        from transformers import pipeline

        MODELS = ["openai/whisper-small", "openai/whisper-medium"]

        def transcribe(model_id):
            return pipeline("automatic-speech-recognition", model=model_id)

        with gr.Blocks() as demo:
            choice = gr.Dropdown(MODELS)
            choice.change(transcribe, choice)
        ThreadPoolExecutor().map(transcribe, load_user_models())
    ''')
    ref = found[0]
    assert [c.model for c in ref.candidates] == ["openai/whisper-small", "openai/whisper-medium", None]
    assert ref.candidates[2].provenance == "transcribe() is also used as a value at example.py:14; other callers may pass anything"


def test_a_click_on_something_that_is_not_gradio_is_no_registration():
    found = refs('''
        import tkinter as tk
        from transformers import AutoModel

        OPTIONS = ["bert-base-uncased"]

        def load(name):
            return AutoModel.from_pretrained(name)

        menu = tk.OptionMenu(None, tk.StringVar(), *OPTIONS)
        menu.click(load, [menu])
    ''')
    assert found[0].model is None and found[0].pin == "unknown" and not found[0].candidates
