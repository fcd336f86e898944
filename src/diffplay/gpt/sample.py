"""Sampling names, as microgpt does: from BOS, one token at a time, until BOS comes back."""

import math

from ..checks import check_integer, check_number
from ..errors import RunFailed, UsageError


def softmax_weights(logits, temperature):
    """softmax(logits / temperature) in floats, shifted by the max as microgpt's softmax is."""
    if not all(map(math.isfinite, logits)):
        raise RunFailed("sampling: the model's logits are not finite (did its training diverge?)")
    scaled = [logit / temperature for logit in logits]
    top = max(scaled)
    exps = [math.exp(s - top) for s in scaled]
    total = sum(exps)
    return [e / total for e in exps]


def sample_one(model, tokenizer, rng, temperature, prompt_ids=()):
    """One document: the prompt's tokens are fed as given, then each next token is drawn with
    rng.choices (one draw per token, the same stream microgpt uses) until BOS or block_size."""
    cache = model.new_cache()
    token_id, out = tokenizer.bos, list(prompt_ids)
    for pos_id in range(model.config.block_size):
        logits = model.next_logits(token_id, pos_id, cache)
        if pos_id < len(prompt_ids):
            token_id = prompt_ids[pos_id]
            continue
        token_id = rng.choices(range(tokenizer.vocab_size), weights=softmax_weights(logits, temperature))[0]
        if token_id == tokenizer.bos:
            break
        out.append(token_id)
    return tokenizer.decode(out)


def check_count(n, where):
    check_integer(n, where, low=0)


def check_temperature(temperature):
    check_number(temperature, "--temperature", above=0)


def check_prompt(prompt, block_size):
    if len(prompt) >= block_size:
        raise UsageError(f"is {len(prompt)} characters; the model's block size ({block_size}) leaves room "
                         f"for at most {block_size - 1}", where=f"--prompt {prompt}")
