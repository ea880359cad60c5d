"""The from-scratch backend: gradients against finite differences, determinism, real learning."""

import itertools

import numpy as np
import pytest

from conftest import run_spec
from mnist_mlp.data.datasets import DATASET_INFO
from mnist_mlp.nn import backends
from mnist_mlp.nn.costs import COSTS, SigmoidCrossEntropy, cost_kind
from mnist_mlp.nn.init import BIAS_INITS, CONCRETE_SCHEMES, init_params, resolve_bias
from mnist_mlp.nn.l2 import L2_FORMS
from mnist_mlp.nn.numpy_mlp import NumpyMLP
from mnist_mlp.nn.costs import log_softmax_loss
from mnist_mlp.nn.training import train
from mnist_mlp.runs.execute import FAILURE_ALPHA, binomial_tail_bound, execute, learning_failure, make_model

ACTIVATIONS = ["sigmoid", "tanh", "relu"]


def regularised_loss(model: NumpyMLP, x, y) -> float:
    """The loss the gradients belong to, computed by a separate route: the forward pass only."""
    decay = 0.5 * model.weight_decay * sum(float(np.sum(t * t)) for t in model.weights + model.biases)
    return log_softmax_loss(model.logits(x), y) / len(y) + decay


def numerical_gradient(model, theta, x, y, eps=1e-6, loss=regularised_loss):
    grad = np.empty_like(theta)
    for i in np.ndindex(theta.shape):
        original = theta[i]
        theta[i] = original + eps
        plus = loss(model, x, y)
        theta[i] = original - eps
        minus = loss(model, x, y)
        theta[i] = original
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)


@pytest.mark.parametrize("weight_decay", [0.0, 1e-2])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradients_match_central_differences(small_data, activation, weight_decay):
    x, y = small_data.x_train[:16].astype(np.float64), small_data.y_train[:16]
    params = init_params([784, 8, 6, 10], "glorot_normal", seed=1, dtype=np.float64)
    params = [(w, b + 0.1) for w, b in params]  # non-zero biases, so their decay term is exercised
    model = NumpyMLP(params, activation, lr=0.1, weight_decay=weight_decay)
    loss, grads = model.gradients(x, y)
    assert loss == pytest.approx(regularised_loss(model, x, y), rel=1e-12)
    for layer, (grad_w, grad_b) in enumerate(grads):
        for name, analytic, theta in (("W", grad_w, model.weights[layer]), ("b", grad_b, model.biases[layer])):
            error = relative_error(analytic, numerical_gradient(model, theta, x, y))
            assert error < 1e-6, f"{name}{layer}: relative error {error:.2e}"


def l2_penalty(model: NumpyMLP) -> float:
    """The L2 term as each form defines it: lambda/2 * sum of every squared weight and bias (torch), or
    lambda/(2n) * sum of the squared weights alone (textbook)."""
    if model.l2 == "textbook":
        return model.weight_decay / (2 * model.n_train) * sum(float(np.sum(w * w)) for w in model.weights)
    return 0.5 * model.weight_decay * sum(float(np.sum(t * t)) for t in model.weights + model.biases)


def regularised_cost(model: NumpyMLP, x, y) -> float:
    """The regularised loss of the model's own cost, by a separate route: the evaluation loss."""
    return cost_kind(model.cost).summed_loss(model.logits(x), y) / len(y) + l2_penalty(model)


@pytest.mark.parametrize("l2, weight_decay", [("torch", 1e-2), ("textbook", 0.5)])
@pytest.mark.parametrize("cost", COSTS)
def test_every_cost_and_l2_form_has_the_gradients_of_central_differences(small_data, cost, l2, weight_decay):
    x, y = small_data.x_train[:16].astype(np.float64), small_data.y_train[:16]
    params = init_params([784, 8, 6, 10], "glorot_normal", seed=1, dtype=np.float64)
    params = [(w, b + 0.1) for w, b in params]  # non-zero biases: decaying them would show
    model = NumpyMLP(params, "sigmoid", lr=0.1, weight_decay=weight_decay, cost=cost, l2=l2, n_train=50)
    loss, grads = model.gradients(x, y)
    assert loss == pytest.approx(regularised_cost(model, x, y), rel=1e-12)
    for layer, (grad_w, grad_b) in enumerate(grads):
        for name, analytic, theta in (("W", grad_w, model.weights[layer]), ("b", grad_b, model.biases[layer])):
            numeric = numerical_gradient(model, theta, x, y, loss=regularised_cost)
            error = relative_error(analytic, numeric)
            assert error < 1e-6, f"{name}{layer}: relative error {error:.2e}"


def test_each_cost_is_the_formula_it_states(small_data):
    """Each evaluation loss against its textbook formula, written the naive way (fine for these logits)."""
    model = NumpyMLP(init_params([784, 30, 10], "standard_normal", seed=0, dtype=np.float64), "sigmoid", lr=3.0)
    z, y = model.logits(small_data.x_train[:200]), small_data.y_train[:200]
    onehot = np.eye(10)[y]
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    a = 1 / (1 + np.exp(-z))
    naive = {
        "softmax_cross_entropy": -np.sum(np.log(p[np.arange(200), y])),
        "sigmoid_quadratic": 0.5 * np.sum((a - onehot) ** 2),
        "sigmoid_cross_entropy": -np.sum(onehot * np.log(a) + (1 - onehot) * np.log(1 - a)),
    }
    assert list(naive) == list(COSTS)
    for cost, expected in naive.items():
        assert cost_kind(cost).summed_loss(z, y) == pytest.approx(expected, rel=1e-9), cost


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_sigmoid_cross_entropy_stays_finite_for_logits_of_a_thousand(dtype):
    y = np.array([3, 7])
    z = np.full((2, 10), -1000.0, dtype=dtype)
    z[0, 3] = 1000.0  # sure of its label: costs nothing
    z[1, 2] = 1000.0  # sure of 2, and sure that it is not its label 7: costs 1000 for each of the two units
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        summed = SigmoidCrossEntropy.summed_loss(z, y)
        delta = z.copy()
        loss, n_correct = SigmoidCrossEntropy.delta_(delta, y, 1.0, np.empty_like(z))
    assert summed == 2000.0 and loss == 1000.0 and n_correct == 1
    expected = np.zeros_like(z)
    expected[1, 2], expected[1, 7] = 0.5, -0.5  # (a - onehot(y)) / B
    np.testing.assert_array_equal(delta, expected)


def test_resolve_bias_gives_each_distinct_draw_one_name():
    """Two bias options that draw the same arrays are one run; options that draw different ones are not."""
    for scheme in CONCRETE_SCHEMES:
        names = {option: resolve_bias(scheme, option) for option in BIAS_INITS}
        drawn = {  # by what each option means, not by its name
            option: init_params(
                [784, 30, 10], scheme, seed=0, dtype=np.float64, bias="" if option == "default" else option
            )
            for option in BIAS_INITS
        }
        for one, other in itertools.combinations(BIAS_INITS, 2):
            same = all(np.array_equal(p, q) for a, b in zip(drawn[one], drawn[other]) for p, q in zip(a, b))
            assert same == (names[one] == names[other]), (scheme, one, other)
        assert names["default"] == ""
    assert resolve_bias("standard_normal", "like_weights") == resolve_bias("standard_normal", "standard_normal") == ""
    assert (
        resolve_bias("glorot_normal", "zero") == "" and resolve_bias("glorot_normal", "like_weights") == "like_weights"
    )
    assert resolve_bias("torch_default", "like_weights") == "" and resolve_bias("torch_default", "zero") == "zero"
    with pytest.raises(ValueError, match="unknown bias init 'ones'; choose one of"):
        resolve_bias("glorot_normal", "ones")


def test_each_bias_init_draws_what_it_promises():
    sizes, glorot_sd, lecun_sd = [784, 300, 10], np.sqrt(2 / 1084), np.sqrt(1 / 784)
    for scheme, bias, check in (
        ("glorot_normal", "like_weights", lambda b: abs(b.std() - glorot_sd) < 0.1 * glorot_sd),
        (
            "glorot_uniform",
            "like_weights",
            lambda b: np.abs(b).max() <= np.sqrt(6 / 1084) and b.std() > 0.9 * glorot_sd,
        ),
        ("lecun_normal", "like_weights", lambda b: abs(b.std() - lecun_sd) < 0.1 * lecun_sd),
        ("he_normal", "standard_normal", lambda b: abs(b.std() - 1) < 0.1 and abs(b.mean()) < 0.2),
        ("torch_default", "zero", lambda b: not b.any()),
        ("standard_normal", "zero", lambda b: not b.any()),
    ):
        (w, b), _ = init_params(sizes, scheme, seed=0, dtype=np.float64, bias=bias)
        assert b.shape == (300,) and check(b), (scheme, bias)
        (own_w, _), _ = init_params(sizes, scheme, seed=0, dtype=np.float64)
        np.testing.assert_array_equal(w, own_w)  # W is drawn first: the biases never move it


def test_lecun_normal_weights_have_variance_one_over_fan_in_and_zero_biases():
    for (w, b), fan_in in zip(init_params([784, 300, 100], "lecun_normal", seed=0, dtype=np.float64), (784, 300)):
        assert abs(w.std() - np.sqrt(1 / fan_in)) < 0.01 * w.std() and abs(w.mean()) < 0.01 * w.std() and not b.any()


def assert_step_is_sgd(model, params, x, y, lr: float) -> None:
    """``model.train_step`` moves ``params`` (its start) by -lr times the gradients it computes there."""
    _, grads = model.gradients(x, y)
    expected = [(w - lr * gw, b - lr * gb) for (w, b), (gw, gb) in zip(params, grads)]
    model.train_step(x, y)
    for (w, b), (ew, eb) in zip(model.params, expected):
        np.testing.assert_allclose(w, ew, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(b, eb, rtol=1e-12, atol=1e-15)


def test_train_step_is_the_sgd_update_of_those_gradients(small_data):
    x, y = small_data.x_train[:32].astype(np.float64), small_data.y_train[:32]
    params = init_params([784, 20, 10], "glorot_normal", seed=0, dtype=np.float64)
    assert_step_is_sgd(NumpyMLP(params, "tanh", lr=0.05, weight_decay=1e-3), params, x, y, lr=0.05)


@pytest.mark.parametrize("l2", L2_FORMS)
@pytest.mark.parametrize("cost", COSTS)
def test_every_cost_and_l2_forms_step_is_the_sgd_update_of_its_gradients(small_data, cost, l2):
    x, y = small_data.x_train[:32].astype(np.float64), small_data.y_train[:32]
    params = init_params([784, 20, 10], "torch_default", seed=0, dtype=np.float64)  # non-zero biases
    model = NumpyMLP(params, "sigmoid", lr=0.5, weight_decay=0.5, cost=cost, l2=l2, n_train=100)
    assert_step_is_sgd(model, params, x, y, lr=0.5)


def short_run(data, seed, backend="numpy", activation="sigmoid"):
    spec = run_spec(backend, activation, 0.1, 1e-5, seed, hidden=(50, 20), epochs=2)
    model = make_model(spec)
    return model, train(model, data, spec.epochs, spec.batch_size, spec.key.seed, progress=False)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_same_seed_gives_bit_identical_runs_and_another_seed_differs(small_data, backend):
    (m1, h1), (m2, h2), (m3, h3) = (short_run(small_data, s, backend) for s in (0, 0, 1))
    assert h1.batch_loss == h2.batch_loss and h1.epochs == h2.epochs
    assert all(np.array_equal(a, b) for p, q in zip(m1.params, m2.params) for a, b in zip(p, q))
    assert [loss for *_, loss in h1.batch_loss] != [loss for *_, loss in h3.batch_loss]


def test_one_epoch_of_relu_at_lr_0_1_learns_mnist(study_data):
    spec = run_spec("numpy", "relu", 0.1, hidden=(500, 250, 100))
    model = make_model(spec)
    history = train(model, study_data, 1, 64, 0, progress=False)
    assert len(history.batch_loss) == 469  # ceil(30000 / 64)
    assert history.final.accuracy >= 0.90


def test_non_finite_loss_ends_the_run_as_diverged(small_data):
    spec = run_spec("numpy", "relu", 1000.0, hidden=(500, 250, 100), epochs=3)
    history = train(make_model(spec), small_data, 3, 64, 0, progress=False)
    assert history.diverged and history.final is None
    assert not np.isfinite(history.batch_loss[-1][2])
    assert np.all(np.isfinite([loss for *_, loss in history.batch_loss[:-1]]))


def test_a_run_records_its_key_its_training_and_the_sizes_of_its_data(small_data):
    spec = run_spec("numpy", "tanh", 0.1, 1e-5, seed=2, hidden=(20,), batch_size=100)
    _, _, metrics = execute(spec, small_data, progress=False)
    assert metrics["run"] == {
        "backend": "numpy",
        "activation": "tanh",
        "lr": 0.1,
        "weight_decay": 1e-5,
        "seed": 2,
        "hidden": [20],
        "epochs": 1,
        "batch_size": 100,
        "init": "glorot_normal",  # the concrete scheme auto stands for
        "dtype": "float32",
        "device": "cpu",
        "dataset": "mnist",
        "n_train": 2000,  # counted in the data it trained on (the key names the smoke config's 3000)
        "n_test": 1000,
        # the options every run made before they existed has: recorded, so that a run says them all
        "subset": "random",
        "validation": 0,
        "bias_init": "",  # the scheme's own
        "cost": "softmax_cross_entropy",
        "l2": "torch",
        "evaluate_on": "test",
    }


def test_init_schemes_draw_what_they_promise():
    sizes = [784, 300, 10]
    for scheme, check in {
        # Glorot & Bengio (2010): Var W = 2 / (fan_in + fan_out), for the normal and the uniform draw alike
        "glorot_normal": lambda w, b: abs(w.std() - np.sqrt(2 / (784 + 300))) < 0.01 * w.std() and not b.any(),
        "he_normal": lambda w, b: abs(w.std() - np.sqrt(2 / 784)) < 0.01 * w.std() and not b.any(),
        "glorot_uniform": lambda w, b: (
            np.abs(w).max() <= np.sqrt(6 / 1084) and abs(w.std() - np.sqrt(2 / 1084)) < 0.01 * w.std() and not b.any()
        ),
        "torch_default": lambda w, b: np.abs(w).max() <= 1 / 28 and np.abs(b).max() <= 1 / 28 and b.std() > 0,
        "standard_normal": lambda w, b: abs(w.std() - 1) < 0.01 and abs(b.std() - 1) < 0.2,
    }.items():
        (w, b), _ = init_params(sizes, scheme, seed=0, dtype=np.float64)
        assert w.shape == (784, 300) and check(w, b), scheme


def test_weights_are_drawn_only_from_a_concrete_scheme():
    """auto stands for a scheme per activation, which the run's key names (plan.run_key)."""
    with pytest.raises(ValueError, match="'auto' is not a concrete one"):
        init_params([784, 10], "auto", seed=0)
    with pytest.raises(ValueError, match="'auto' is not a concrete one"):
        backends.make_model("numpy", "relu", (10,), "auto", 0, 0.1, 0.0)


def history(predictions, labels, start_loss=2.3, end_loss=0.5):
    from mnist_mlp.nn.training import Evaluation, History

    accuracy = float(np.mean(predictions == labels))
    return History(
        batch_loss=[(1, 0, start_loss)], epochs=[{"train_loss": end_loss}], final=Evaluation(0.0, accuracy, predictions)
    )


def test_failing_to_learn_has_three_named_causes():
    labels = np.repeat(np.arange(10), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    assert "answers 1 for every test image (11.35%" in learning_failure(
        history(np.ones_like(labels), labels), labels, DATASET_INFO["mnist"]
    )
    learned = labels.copy()
    learned[:3000] = (learned[:3000] + 1) % 10  # 70 % right
    assert learning_failure(history(learned, labels), labels, DATASET_INFO["mnist"]) is None
    assert "above the 2.3 it started at" in learning_failure(
        history(learned, labels, end_loss=17841.0), labels, DATASET_INFO["mnist"]
    )
    near_chance = labels.copy()
    near_chance[:8870] = (near_chance[:8870] + 1) % 10  # 11.3 % right, no better than always answering 1
    assert "not significantly above always answering 1" in learning_failure(
        history(near_chance, labels), labels, DATASET_INFO["mnist"]
    )


def test_the_tail_bound_never_undercuts_the_exact_tail():
    from scipy.special import bdtrc

    for n in (100, 1_000, 10_000):
        for p in (0.1, 0.1135, 0.5):
            for k in range(0, n + 1, max(1, n // 200)):
                assert bdtrc(k - 1, n, p) <= binomial_tail_bound(k, n, p) * (1 + 1e-9), (k, n, p)


def test_a_run_a_point_above_chance_is_judged_by_the_exact_tail():
    """12.35 % against 11.35 %: the bound (0.14) cannot tell, the exact p (about 0.001) says it learned."""
    labels = np.repeat(np.arange(10), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    modest = labels.copy()
    modest[:8765] = (modest[:8765] + 1) % 10
    assert binomial_tail_bound(1235, 10_000, 0.1135) > FAILURE_ALPHA
    assert learning_failure(history(modest, labels), labels, DATASET_INFO["mnist"]) is None


def test_a_failure_names_the_class_as_its_dataset_does():
    labels = np.repeat(np.arange(10), 1000)
    reason = learning_failure(history(np.ones_like(labels), labels), labels, DATASET_INFO["fashion_mnist"])
    assert reason.startswith(
        "answers Trouser (1) for every test image (10.00%, the share of images labelled Trouser (1)"
    )
