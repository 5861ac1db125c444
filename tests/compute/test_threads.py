import threading

import torch

from core.compute.threads import one_torch_thread


def test_overlapping_users_restore_the_count_only_when_the_last_leaves():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        a_inside, b_inside, a_left = threading.Event(), threading.Event(), threading.Event()
        seen = {}

        def a():
            with one_torch_thread():
                a_inside.set()
                b_inside.wait(10)
            a_left.set()

        def b():
            a_inside.wait(10)
            with one_torch_thread():
                b_inside.set()
                a_left.wait(10)
                seen["b after a left"] = torch.get_num_threads()

        threads = [threading.Thread(target=a), threading.Thread(target=b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert seen["b after a left"] == 1  # a's exit did not restore 2 under b
        assert torch.get_num_threads() == 2  # b, the last, restored it
    finally:
        torch.set_num_threads(before)


def test_nested_use_in_one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with one_torch_thread():
            with one_torch_thread():
                assert torch.get_num_threads() == 1
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
