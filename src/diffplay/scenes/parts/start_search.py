"""A coarse-to-fine search for a good starting point of one positive parameter (a pitch).

Gradient descent on a spectral loss finds the nearest valley, and a sound's loss over pitch
has one valley per harmonic relation (an octave, a fifth): started at 300 Hz it settles at
293.3 Hz, two thirds of a 440 Hz target. So before the gradient fit, the loss is weighed at
starts spread evenly in log-frequency (each within the gradient's basin of its neighbours),
then the few best are zoomed in on, a few points around each, closer every round.
"""

import numpy as np


class StartSearch:
    """Candidates from `low` to `high`: a log grid `ratio` apart, then `rounds` rounds of zooming
    in on the `keep` best (four points around each, `shrink` times closer every round). Ask
    `next(n)` for up to n candidates, give back their losses with `record`."""

    def __init__(self, low, high, ratio=1.05, keep=3, rounds=4, shrink=3):
        self.ratio, self.keep, self.rounds, self.shrink = ratio, keep, rounds, shrink
        self.pending = list(np.geomspace(low, high, int(np.ceil(np.log(high / low) / np.log(ratio))) + 1))
        self.loss_of = {}
        self.round, self.centres = 0, []
        self.total = len(self.pending) + keep * rounds * 4

    @property
    def done(self):
        return not self.pending and self.round == self.rounds

    @property
    def tried(self):
        return list(self.loss_of)

    def next(self, n):
        """Up to n candidates still to weigh (a round starts once the one before it is weighed)."""
        if not self.pending and self.round < self.rounds:
            self.zoom()
        batch, self.pending = self.pending[:n], self.pending[n:]
        return batch

    def record(self, candidates, losses):
        self.loss_of.update((float(c), float(v)) for c, v in zip(candidates, losses))

    def zoom(self):
        """The next round: each centre moves to the best point weighed around it, and four new
        points go around it, closer than the last round's."""
        self.centres = self.moved_centres() if self.round else self.best_few(self.keep)
        self.round += 1
        step = self.ratio ** (1 / self.shrink ** self.round)
        self.pending = [centre * step ** k for centre in self.centres for k in (-2, -1, 1, 2)]

    def moved_centres(self):
        """Each centre moved to the best point weighed in this round around it."""
        spread = np.log(self.ratio) * 2 / self.shrink ** self.round + 1e-12
        return [min((c for c in self.loss_of if abs(np.log(c / centre)) <= spread), key=self.loss_of.get)
                for centre in self.centres]

    def best_few(self, k):
        """The k best candidates weighed, no two within one grid step of each other."""
        chosen = []
        for c in sorted(self.loss_of, key=self.loss_of.get):
            if all(abs(np.log(c / other)) > np.log(self.ratio) for other in chosen):
                chosen.append(c)
            if len(chosen) == k:
                break
        return chosen

    def finalists(self):
        """The valleys zoomed in on, each at the best point weighed in it (once done)."""
        return self.moved_centres()

    @property
    def best(self):
        return min(self.loss_of, key=self.loss_of.get)
