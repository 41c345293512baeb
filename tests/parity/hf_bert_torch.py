"""Hugging Face's BertForPreTraining forward, written out in PyTorch over a model folder's Hugging Face tensor
names (bert.embeddings..., bert.encoder.layer.N..., bert.pooler.dense, cls.predictions..., cls.seq_relationship),
to check what `bertnative export --format hf` writes. Inference only (no dropout).

    /usr/bin/python3 tests/parity/hf_bert_torch.py FOLDER INPUTS.safetensors OUT.safetensors

INPUTS holds input_ids, token_type_ids, attention_mask (I64 [batch, sequence]); OUT gets last_hidden_state
[batch, sequence, hidden], prediction_logits [batch, sequence, vocab] and seq_relationship_logits [batch, 2]
(column 0 = "is the next sentence", Hugging Face's convention).
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402


def main(folder, inputs_path, out_path):
    config = json.load(open(os.path.join(folder, "config.json")))
    weights, _ = safetensors_io.load(os.path.join(folder, "model.safetensors"))
    inputs, _ = safetensors_io.load(inputs_path)
    w = {name: torch.from_numpy(array) for name, array in weights.items()}
    hidden, heads, eps = config["hidden_size"], config["num_attention_heads"], config["layer_norm_eps"]
    act = {"gelu": lambda x: torch.nn.functional.gelu(x), "relu": torch.relu}[config["hidden_act"]]

    def linear(x, prefix):
        return x @ w[prefix + ".weight"].T + w[prefix + ".bias"]

    def layer_norm(x, prefix):
        return torch.nn.functional.layer_norm(x, (hidden,), w[prefix + ".weight"], w[prefix + ".bias"], eps)

    ids = torch.from_numpy(inputs["input_ids"])
    types = torch.from_numpy(inputs["token_type_ids"])
    mask = torch.from_numpy(inputs["attention_mask"])
    batch, sequence = ids.shape
    positions = torch.arange(sequence)
    x = (w["bert.embeddings.word_embeddings.weight"][ids] + w["bert.embeddings.token_type_embeddings.weight"][types]
         + w["bert.embeddings.position_embeddings.weight"][positions][None])
    x = layer_norm(x, "bert.embeddings.LayerNorm")
    # Masked keys get the most negative float added, as BertModel's extended attention mask does.
    additive = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    size = hidden // heads

    def split(t):
        return t.view(batch, sequence, heads, size).transpose(1, 2)

    for layer in range(config["num_hidden_layers"]):
        p = f"bert.encoder.layer.{layer}."
        q, k, v = (split(linear(x, p + "attention.self." + n)) for n in ("query", "key", "value"))
        scores = q @ k.transpose(-1, -2) / math.sqrt(size) + additive
        context = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(batch, sequence, hidden)
        x = layer_norm(linear(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
        x = layer_norm(linear(act(linear(x, p + "intermediate.dense")), p + "output.dense") + x, p + "output.LayerNorm")

    pooled = torch.tanh(linear(x[:, 0], "bert.pooler.dense"))
    transformed = layer_norm(act(linear(x, "cls.predictions.transform.dense")), "cls.predictions.transform.LayerNorm")
    decoder = w["cls.predictions.decoder.weight"] if "cls.predictions.decoder.weight" in w else w["bert.embeddings.word_embeddings.weight"]
    prediction = transformed @ decoder.T + w["cls.predictions.bias"]
    relationship = linear(pooled, "cls.seq_relationship")
    safetensors_io.save(out_path, {
        "last_hidden_state": x.numpy(),
        "prediction_logits": prediction.numpy(),
        "seq_relationship_logits": relationship.numpy(),
    })


if __name__ == "__main__":
    with torch.no_grad():
        main(*sys.argv[1:4])
