"""The transformer_block reference equals torch.nn.TransformerDecoderLayer in eval mode."""
from __future__ import annotations

import pytest
import torch

from conftest import load_reference

ref = load_reference("transformer_block")


@pytest.mark.parametrize("norm_first", [True, False])
@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("n, t, s, e, nhead, ff", [(2, 5, 7, 12, 3, 20), (1, 1, 3, 8, 8, 4),
                                                   (3, 6, 2, 10, 1, 16)])
def test_matches_decoder_layer_in_float64(norm_first, causal, n, t, s, e, nhead, ff):
    torch.manual_seed(n * 100 + t)
    layer = torch.nn.TransformerDecoderLayer(e, nhead, dim_feedforward=ff, dropout=0.0,
                                             batch_first=True, norm_first=norm_first,
                                             dtype=torch.float64).eval()
    with torch.no_grad():
        for name, value in layer.named_parameters():
            if "norm" in name or "bias" in name:      # move them off their 1 / 0 start
                value.add_(0.3 * torch.randn_like(value))
    x = torch.randn(n, t, e, dtype=torch.float64)
    memory = torch.randn(n, s, e, dtype=torch.float64)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(t, dtype=torch.float64) \
        if causal else None
    with torch.no_grad():
        want = layer(x, memory, tgt_mask=mask)
    got = ref.decoder_block(x, memory, layer.state_dict(), nhead, causal=causal,
                            norm_first=norm_first)
    assert got.dtype == torch.float64 and got.shape == (n, t, e)
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)
