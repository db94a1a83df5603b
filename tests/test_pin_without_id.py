"""Pins that follow from the loader itself when the id does not (fastembed, llama.cpp), a local copy
argument that overrides the hub, and one unknown candidate per caller however many reasons it has."""

from __future__ import annotations

import pytest

from ptm_lint.catalog import CatalogError, load_catalog

from resolving import project, refs


# A retrieval library's embedding backend, public API: its users pass the model name.
FASTEMBED_BACKEND = '''
    from fastembed import TextEmbedding


    class FastEmbedBackend:
        def __init__(self, embedding_model: str = "BAAI/bge-small-en-v1.5"):
            supported = [m["model"] for m in TextEmbedding.list_supported_models()]
            if isinstance(embedding_model, str) and embedding_model in supported:
                self.embedding_model = TextEmbedding(model_name=embedding_model)
            else:
                raise ValueError("Please select a supported FastEmbed model")
'''

SELECT_BACKEND = '''
    from .fastembed_backend import FastEmbedBackend


    def select_backend(embedding_model, verbose=False):
        if "fastembed" in str(type(embedding_model)):
            return FastEmbedBackend(embedding_model)
        raise ValueError(f"unsupported embedding model {embedding_model!r}")
'''


def test_a_fastembed_load_whose_name_its_users_decide_is_still_mutable(tmp_path):
    found = project(tmp_path, {
        "topics/backend/__init__.py": "",
        "topics/backend/fastembed_backend.py": FASTEMBED_BACKEND,
        "topics/backend/utils.py": SELECT_BACKEND,
        "topics/model.py": '''
            from .backend.utils import select_backend


            class TopicModel:
                def __init__(self, embedding_model=None):
                    self.embedding_model = embedding_model

                def fit(self, docs):
                    self.embedding_model = select_backend(self.embedding_model)
                    return self.embedding_model.embed(docs)
        ''',
        "topics/__init__.py": "",
    })
    ref = next(r for r in found if r.api == "fastembed.TextEmbedding")
    # The id is whatever the users of TopicModel pass; fastembed only takes names of its hub
    # catalog and cannot pin one, so the load is unpinned whichever it is.
    assert (ref.model, ref.pin, ref.hub) == (None, "mutable", "huggingface")
    assert any("only takes names on the Hugging Face Hub" in n for n in ref.notes)
    assert {c.pin for c in ref.candidates or ()} <= {"mutable"}


def test_a_fastembed_name_given_in_the_code_is_mutable_and_a_local_copy_is_local():
    found = refs('''
        import os
        from fastembed import TextEmbedding

        MODEL_DIR = "/opt/models/bge-small-en-v1.5"

        query_encoder = TextEmbedding("BAAI/bge-small-en-v1.5")
        offline_encoder = TextEmbedding("BAAI/bge-small-en-v1.5", specific_model_path=MODEL_DIR)
        maybe_offline = TextEmbedding("BAAI/bge-small-en-v1.5", specific_model_path=os.environ.get("BGE_DIR"))
        online_anyway = TextEmbedding("BAAI/bge-small-en-v1.5", specific_model_path=None)
    ''')
    assert [(r.line, r.hub, r.pin) for r in found] == [
        (7, "huggingface", "mutable"),
        (8, "local", "local"),
        # BGE_DIR may or may not be set: the hub or a local copy, so the pin is not known.
        (9, "huggingface", "unknown"),
        (10, "huggingface", "mutable"),
    ]
    assert "specific_model_path= reads a local copy instead of the hub" in found[1].notes
    assert "specific_model_path= may name a local copy, read instead of the hub" in found[2].notes


def test_llama_cpp_repo_ids_are_hub_names_whatever_they_are():
    found = refs('''
        import argparse
        from llama_cpp import Llama

        parser = argparse.ArgumentParser()
        parser.add_argument("--repo")
        args = parser.parse_args()
        llm = Llama.from_pretrained(repo_id=args.repo, filename="*Q4_K_M.gguf", n_ctx=4096)
    ''')
    assert [(r.model, r.pin) for r in found] == [(None, "mutable")]


def test_an_unpinnable_loader_that_also_reads_folders_keeps_an_unknown_id_unknown():
    # model2vec's from_pretrained takes a Hub id or a local folder: an id decided elsewhere may be
    # either, so nothing follows from the loader alone.
    found = refs('''
        import sys
        from model2vec import StaticModel

        model = StaticModel.from_pretrained(sys.argv[1])
    ''')
    assert [(r.model, r.pin) for r in found] == [(None, "unknown")]


def test_one_unknown_candidate_per_caller_however_many_ways_it_is_unknown(tmp_path):
    found = project(tmp_path, {
        "app/__init__.py": "",
        "app/encoders.py": '''
            from sentence_transformers import SentenceTransformer


            def load_encoder(name):
                return SentenceTransformer(name, revision="v2.2.2")
        ''',
        "app/service.py": '''
            import os

            from .encoders import load_encoder
            from .registry import lookup


            class Service:
                def __init__(self, settings):
                    self.name = settings.encoder
                    if os.environ.get("ENCODER"):
                        self.name = os.environ["ENCODER"]
                    elif settings.legacy:
                        self.name = lookup(settings.legacy)

                def start(self):
                    self.encoder = load_encoder(self.name)
                    self.fallback = load_encoder("sentence-transformers/all-MiniLM-L6-v2")
        ''',
        "app/registry.py": '''
            def lookup(key):
                return REGISTRY[key]
        ''',
    })
    ref = next(r for r in found if r.api == "sentence_transformers.SentenceTransformer")
    cands = ref.candidates or ()
    unknown = [c for c in cands if c.model is None]
    # Three assignments of self.name, each unknown for its own reason: one candidate at the call.
    assert [(c.path, c.line) for c in unknown] == [("app/service.py", 16)]
    assert unknown[0].provenance.count(";") >= 1
    assert [(c.model, c.path, c.line) for c in cands if c.model] == [
        ("sentence-transformers/all-MiniLM-L6-v2", "app/service.py", 17)]


def test_local_if_must_name_a_declared_argument(tmp_path):
    (tmp_path / "10-x.toml").write_text(
        '[[loader]]\nid = "x.Embed"\nlibrary = "x"\nhub = "huggingface"\nrole = "model"\nscheme = "hf"\n'
        'match = ["x\\\\.Embed"]\ntriggers = ["Embed"]\nmodel = {pos = 0}\nlocal_if = ["local_dir"]\n'
    )
    with pytest.raises(CatalogError, match="local_if names 'local_dir'"):
        load_catalog(tmp_path)
