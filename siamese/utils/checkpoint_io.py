"""Lightning's checkpoint writer using the atomic write of ``siamese.utils.checkpoints`` (temp file beside it)."""

from __future__ import annotations

from lightning_fabric.plugins.io.torch_io import TorchCheckpointIO

from siamese.utils.checkpoints import atomic_torch_save


class AtomicCheckpointIO(TorchCheckpointIO):
    """Writes every checkpoint through :func:`siamese.utils.checkpoints.atomic_torch_save` (temp file in the
    checkpoint's own directory, fsync, ``os.replace``, temp removed on failure) and reads it back with
    ``weights_only=True``. Lightning's default writes its temp file through fsspec, in ``$TMPDIR``: on another
    filesystem the final move is a copy, and a kill during it leaves a truncated ``last.ckpt``."""

    def save_checkpoint(self, checkpoint, path, storage_options=None) -> None:
        if storage_options is not None:
            raise TypeError("AtomicCheckpointIO takes no storage_options")
        atomic_torch_save(checkpoint, path)

    def load_checkpoint(self, path, map_location=None, weights_only=None):
        return super().load_checkpoint(path, map_location=map_location or (lambda storage, loc: storage),
                                       weights_only=True)
