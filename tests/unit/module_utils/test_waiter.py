from ansible_collections.cloudstack.dr.plugins.module_utils.client.waiter import backoff, ticks


def test_ticks_stop_at_the_timeout_without_real_sleep(clock):
    seen = list(ticks(clock, timeout=5, interval=2))
    assert seen == [0.0, 2.0, 4.0, 5.0]
    assert clock.sleeps == [2, 2, 1]  # the last sleep is cut to the deadline


def test_ticks_yield_once_when_there_is_no_time(clock):
    assert list(ticks(clock, timeout=0, interval=1)) == [0.0]
    assert clock.sleeps == []


def test_backoff_doubles_and_caps():
    assert [backoff(0.5, n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert backoff(1.0, 10, cap=30.0) == 30.0


def test_ticks_start_quick_and_double_up_to_the_interval(clock):
    list(ticks(clock, timeout=5, interval=1, first=0.25))
    assert clock.sleeps == [0.25, 0.5, 1, 1, 1, 1, 0.25]
