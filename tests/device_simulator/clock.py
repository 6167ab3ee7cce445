"""The simulator's clock: monotonic seconds that move only when the test says so."""


class ManualClock:
    """Pass the same clock to the simulator and to `IsapiDriver(clock=...)`: a test then
    moves time for both by `advance`, and nothing waits on the wall clock."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now
