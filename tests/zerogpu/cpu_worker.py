"""ZeroGPU's worker on a machine without a GPU: the real `spaces` package, with its two CUDA steps on CPU.

In a forked worker, `spaces` gives the worker its GPU (`torch.init`: CUDA_VISIBLE_DEVICES, a first CUDA
tensor) and moves the packed model tensors onto it (`torch.move`: the packs on disk, the tensors left in
memory). Here `init` does nothing and `move` reads the same packs into CPU memory and points the same fake
tensors at them; everything else is the real `spaces`: CUDA emulation in the main process, packing at launch,
the device API calls, the fork, pickled arguments and results, generators and their stop event.
"""

from __future__ import annotations

import itertools


def install() -> None:
    """Call after `import spaces` (ZeroGPU mode), before the app launches."""
    from spaces.zero import torch as zero_torch

    zero_torch.init = lambda nvidia_uuid: None
    zero_torch.move = cpu_move


def cpu_move(callback=None) -> None:
    import torch
    from spaces.zero.torch import patching

    for fake, original in list(patching.cuda_aliases.items()):
        if original is not None:
            fake.data = torch.Tensor(original)  # unwrap the subclass, as spaces does before .cuda()
    for pack in patching.tensor_packs:
        with open(pack.path(), "rb") as file:
            data = file.read()
        offset = 0
        for meta, size, aligned in itertools.chain(*pack.batches, pack.big_tensors):
            storage = torch.frombuffer(bytearray(data[offset:offset + size]), dtype=torch.uint8).untyped_storage()
            tensor = torch.tensor([], dtype=meta.dtype).set_(storage, 0, meta.shape, meta.stride())
            for fake in pack.fakes[meta]:
                fake.data = tensor
            offset += aligned
