"""PyTorch side of pnnc's per-core ProgNet throughput bench (src/bench/protocol-bench.ts runs it).

In: --column 1|2, --rows N, --epochs E. Out: one JSON line on stdout (samples/s, max RSS in KiB).
The same networks and loop as pnnc's trainer: shuffled minibatches of 64, Adam lr 0.0005, dropout
0.5 after every sigmoid hidden layer, softmax cross-entropy (batch mean). Column 2 reads the frozen
column 1 through linear laterals (hidden i -> layer i+1, last hidden -> head, no bias), and, as
pnnc does, column 1's eval-mode activations are computed once per split and CACHED, then indexed
per batch. Run with OPENBLAS_NUM_THREADS=1 and OMP_NUM_THREADS=1; it also sets one torch thread.
"""

import argparse
import json
import resource
import time

import torch
from torch import nn

torch.set_num_threads(1)

INPUT, WIDTH, DEPTH, SPEAKERS, EMOTIONS, BATCH = 88, 256, 4, 24, 4, 64


class Column(nn.Module):
    """4 x 256 sigmoid with dropout 0.5; with `lateral`, U_i reads source hidden i-1 (i = 2..4, head)."""

    def __init__(self, classes, lateral):
        super().__init__()
        widths = [INPUT] + [WIDTH] * DEPTH
        self.layers = nn.ModuleList(nn.Linear(widths[i], widths[i + 1]) for i in range(DEPTH))
        self.head = nn.Linear(WIDTH, classes)
        self.drop = nn.Dropout(0.5)
        self.lateral = (
            nn.ModuleList(
                [nn.Linear(WIDTH, WIDTH, bias=False) for _ in range(DEPTH - 1)]
                + [nn.Linear(WIDTH, classes, bias=False)]
            )
            if lateral
            else None
        )

    def forward(self, x, source=None):
        hidden = []
        h = x
        for i, layer in enumerate(self.layers):
            z = layer(h)
            if self.lateral is not None and i > 0:
                z = z + self.lateral[i - 1](source[i - 1])
            h = self.drop(torch.sigmoid(z))
            hidden.append(h)
        logits = self.head(h)
        if self.lateral is not None:
            logits = logits + self.lateral[-1](source[-1])
        return logits, hidden


def epoch(model, optimizer, x, y, cached, generator):
    model.train()
    order = torch.randperm(x.shape[0], generator=generator)
    loss_fn = nn.CrossEntropyLoss()
    for start in range(0, x.shape[0], BATCH):
        rows = order[start : start + BATCH]
        source = None if cached is None else [h[rows] for h in cached]
        optimizer.zero_grad(set_to_none=True)
        logits, _ = model(x[rows], source)
        loss = loss_fn(logits, y[rows])
        loss.backward()
        optimizer.step()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--column", type=int, choices=[1, 2], default=1)
    parser.add_argument("--rows", type=int, default=1152)
    parser.add_argument("--epochs", type=int, default=8)
    args = parser.parse_args()
    torch.manual_seed(7)
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(args.rows, INPUT)
    index = torch.arange(args.rows)
    speaker = Column(SPEAKERS, lateral=False)
    cached = None
    if args.column == 1:
        model, y = speaker, (index * 7919) % SPEAKERS
    else:
        # Column 1 trained briefly (its weights do not change column 2's cost), frozen, and its
        # eval-mode hidden activations cached once for the split, as pnnc's trainer does.
        opt1 = torch.optim.Adam(speaker.parameters(), lr=0.0005)
        epoch(speaker, opt1, x, (index * 7919) % SPEAKERS, None, generator)
        speaker.eval()
        for p in speaker.parameters():
            p.requires_grad_(False)
        with torch.no_grad():
            cached = [h.contiguous() for h in speaker(x)[1]]
        model, y = Column(EMOTIONS, lateral=True), (index * 7919) % EMOTIONS
    optimizer = torch.optim.Adam(model.parameters(), lr=0.0005)
    epoch(model, optimizer, x, y, cached, generator)  # warm-up
    t0 = time.perf_counter()
    for _ in range(args.epochs):
        epoch(model, optimizer, x, y, cached, generator)
    seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "column": args.column,
                "threads": torch.get_num_threads(),
                "samplesPerSecond": args.rows * args.epochs / seconds,
                # Linux reports ru_maxrss in KiB, as Node's process.resourceUsage().maxRSS does.
                "maxRssKiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


if __name__ == "__main__":
    main()
