"""The numpy and torch backends are the same model: same start, same batches, same trajectory."""

import json
import re
import shutil

import numpy as np
import pytest

from conftest import run_dir, run_spec
from mnist_mlp.data.arrays import Dataset, epoch_batches
from mnist_mlp.errors import UserError
from mnist_mlp.nn import backends
from mnist_mlp.nn.backends import BACKENDS
from mnist_mlp.nn.costs import COSTS
from mnist_mlp.nn.init import BIAS_DRAWS, CONCRETE_SCHEMES
from mnist_mlp.nn.training import evaluate, train
from mnist_mlp.runs import run_format
from mnist_mlp.runs.execute import make_model

ACTIVATIONS = ["sigmoid", "tanh", "relu"]


def batch_losses(backend, activation, weight_decay, data, steps, dtype, init="auto", lr=0.1):
    spec = run_spec(backend, activation, lr, weight_decay, init=init, hidden=(500, 250, 100), dtype=dtype)
    model = make_model(spec)
    x = data.x_train.astype(dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.array(
            [
                model.train_step(x[idx], data.y_train[idx])[0]
                for idx in epoch_batches(len(data.y_train), 64, seed=0, epoch=1)[:steps]
            ]
        )


@pytest.mark.parametrize("weight_decay", [0.0, 1e-3])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_float64_trajectories_agree_over_200_steps(study_data, activation, weight_decay):
    numpy_losses = batch_losses("numpy", activation, weight_decay, study_data, 200, "float64")
    torch_losses = batch_losses("torch", activation, weight_decay, study_data, 200, "float64")
    assert len(numpy_losses) == 200 and numpy_losses[-1] < numpy_losses[0]  # it learns
    np.testing.assert_allclose(torch_losses, numpy_losses, rtol=1e-9, atol=0)


@pytest.mark.parametrize("init", CONCRETE_SCHEMES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_init_scheme_starts_both_backends_from_the_same_arrays(study_data, activation, init):
    numpy_params, torch_params = (
        make_model(run_spec(backend, activation, 0.1, seed=3, init=init, hidden=(50, 20), dtype="float64")).params
        for backend in ("numpy", "torch")
    )
    for (w, b), (wt, bt) in zip(numpy_params, torch_params, strict=True):
        np.testing.assert_array_equal(w, wt)
        np.testing.assert_array_equal(b, bt)
    assert numpy_params[0][0].shape == (784, 50)
    # 20 steps at lr 0.01, the rate of the init sweep: N(0, 1) weights saturate tanh and make training
    # chaotic, so rounding differences of 1e-16 grow (to 1e-9 by step 27 at 0.01, to whole units at 0.1)
    numpy_losses = batch_losses("numpy", activation, 1e-3, study_data, 20, "float64", init, lr=0.01)
    torch_losses = batch_losses("torch", activation, 1e-3, study_data, 20, "float64", init, lr=0.01)
    # ReLU from N(0, 1) weights blows up within a few steps, in both backends alike
    finite = np.isfinite(numpy_losses)
    assert finite[0] and np.array_equal(finite, np.isfinite(torch_losses))
    np.testing.assert_allclose(torch_losses[finite], numpy_losses[finite], rtol=1e-9, atol=0)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_float32_test_accuracy_agrees_after_a_short_epoch(study_data, activation):
    d = study_data
    data = Dataset(d.x_train[:15000], d.y_train[:15000], d.x_test, d.y_test)
    accuracy = {}
    for backend in ("numpy", "torch"):
        # a deep sigmoid network sits on a plateau at chance for the first ~15,000 images at lr 0.1 from
        # Glorot's weights; with He's larger ones at lr 0.3 it is well off it
        lr, init = (0.3, "he_normal") if activation == "sigmoid" else (0.1, "auto")
        spec = run_spec(backend, activation, lr, 1e-5, init=init, hidden=(500, 250, 100))
        accuracy[backend] = train(make_model(spec), data, 1, 64, 0, progress=False).final.accuracy
    assert accuracy["numpy"] > 0.5, accuracy
    assert abs(accuracy["numpy"] - accuracy["torch"]) <= 0.005


@pytest.mark.parametrize("backend, lr, wd", [("numpy", 0.1, 0.0), ("torch", 0.1, 0.0), ("torch", 0.1, 1e-5)])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_both_backends_write_outputs_of_one_shared_format(smoke_run, backend, activation, lr, wd):
    metrics = run_format.check_run(run_dir(smoke_run, backend, activation, lr, wd))
    assert metrics["run"]["backend"] == backend


def test_the_format_check_rejects_a_broken_run(smoke_run, tmp_path):
    broken = tmp_path / "run"
    shutil.copytree(run_dir(smoke_run, "torch", "relu", 0.1), broken)
    run_format.path(broken, "epochs").write_text("epoch,accuracy\n1,0.9\n")
    with pytest.raises(run_format.RunFormatError, match="columns"):
        run_format.check_run(broken)


def test_the_format_check_names_what_a_runs_metrics_lack(smoke_run, tmp_path):
    for lacking in ("test_accuracy", "run"):  # one run after another: the validator is made once
        broken = tmp_path / lacking
        shutil.copytree(run_dir(smoke_run, "numpy", "relu", 0.1), broken)
        metrics = run_format.read_metrics(broken)
        del metrics[lacking]
        run_format.path(broken, "metrics").write_text(json.dumps(metrics))
        with pytest.raises(run_format.RunFormatError, match=rf"metrics.json: '{lacking}' is a required property"):
            run_format.check_run(broken)


def test_a_run_whose_test_accuracy_is_not_what_its_predictions_get_right_is_refused(smoke_run, tmp_path):
    broken = tmp_path / "run"
    shutil.copytree(run_dir(smoke_run, "numpy", "tanh", 0.1), broken)
    predictions = run_format.read_predictions(broken)
    right = predictions["label"] == predictions["predicted"]
    predictions.loc[right.idxmax(), "predicted"] = (predictions.loc[right.idxmax(), "label"] + 1) % 10
    predictions.to_csv(run_format.path(broken, "predictions"), index=False)
    with pytest.raises(run_format.RunFormatError, match="the predictions get .* right, but metrics.json's"):
        run_format.check_run(broken)  # one image more wrong than the accuracy says
    predictions.iloc[:-1].to_csv(run_format.path(broken, "predictions"), index=False)
    with pytest.raises(run_format.RunFormatError, match="predictions, but the run was tested on"):
        run_format.check_run(broken)  # an image missing: not the test set it says


def test_a_run_whose_summary_numbers_are_not_its_records_is_refused_with_the_fix(smoke_run, tmp_path):
    original = run_dir(smoke_run, "numpy", "relu", 0.1)
    edits = {
        "train_loss": lambda m: {**m, "train_loss": 3 * m["train_loss"]},
        "train_accuracy": lambda m: {**m, "train_accuracy": 0.99},
        "epochs_completed": lambda m: {**m, "epochs_completed": m["epochs_completed"] + 1},
        "confusion_matrix": lambda m: {**m, "confusion_matrix": np.roll(m["confusion_matrix"], 1, axis=0).tolist()},
    }
    for key, edit in edits.items():
        broken = tmp_path / key
        shutil.copytree(original, broken)
        run_format.path(broken, "metrics").write_text(json.dumps(edit(run_format.read_metrics(broken))))
        with pytest.raises(run_format.RunFormatError, match=re.escape(key)) as refused:
            run_format.check_run(broken)
        # a fault the user can fix, said in one line with the fix, never a bug
        assert isinstance(refused.value, UserError) and "\n" not in str(refused.value)
        assert str(refused.value).endswith(f"delete the run's folder (rm -r {broken}) and build again")
    assert run_format.check_run(original)["train_loss"] > 0  # the run as written passes


def test_float64_runs_train_end_to_end_and_the_backends_agree(small_data):
    histories = {}
    for backend in ("numpy", "torch"):
        spec = run_spec(backend, "tanh", 0.1, 1e-5, hidden=(64, 32), epochs=2, dtype="float64")
        histories[backend] = train(make_model(spec), small_data, 2, 64, 0, progress=False)
    numpy_losses = [loss for *_, loss in histories["numpy"].batch_loss]
    torch_losses = [loss for *_, loss in histories["torch"].batch_loss]
    np.testing.assert_allclose(torch_losses, numpy_losses, rtol=1e-9)
    assert histories["numpy"].final.accuracy == histories["torch"].final.accuracy > 0.5


@pytest.mark.parametrize("weight_decay", [0.0, 1e-5])
def test_the_torch_backend_updates_exactly_as_torch_optim_sgd(small_data, weight_decay):
    """Its functional update is torch.optim.SGD's step, bit for bit, in float32."""
    import torch

    from mnist_mlp.nn.torch_mlp import build_model

    spec = run_spec("torch", "tanh", 0.1, weight_decay, hidden=(50, 20), batch_size=32)
    ours = make_model(spec)
    reference = build_model(ours.params, "tanh")
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.1, weight_decay=weight_decay)
    for idx in epoch_batches(len(small_data.y_train), 32, 0, 1)[:40]:
        x, y = small_data.x_train[idx], small_data.y_train[idx]
        ours.train_step(x, y)
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(reference(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        optimizer.step()
    expected = [m for m in reference if isinstance(m, torch.nn.Linear)]
    for (w, b), layer in zip(ours.params, expected):
        assert np.array_equal(w, layer.weight.detach().numpy().T) and np.array_equal(b, layer.bias.detach().numpy())


def test_a_dtype_neither_backend_trains_in_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown dtype 'float16'; choose one of"):
        make_model(run_spec("numpy", "relu", 0.1, hidden=(8,), dtype="float16"))


def model_of(backend, activation="sigmoid", hidden=(100, 30), init="glorot_normal", lr=0.5, wd=0.0, **options):
    """A float64 model through ``backends.make_model``, with the options a run key does not carry yet."""
    options.setdefault("dtype", "float64")
    return backends.make_model(backend, activation, hidden, init, 0, lr, wd, **options)


def trajectory(model, data, steps, batch_size=64) -> np.ndarray:
    """The batch losses of ``steps`` steps of epoch 1's batches (seed 0)."""
    x = data.x_train.astype(model.dtype)
    batches = epoch_batches(len(data.y_train), batch_size, seed=0, epoch=1)[:steps]
    with np.errstate(over="ignore", invalid="ignore"):
        return np.array([model.train_step(x[idx], data.y_train[idx])[0] for idx in batches])


def test_the_torch_backend_has_every_cost():
    from mnist_mlp.nn.torch_mlp import TORCH_COSTS

    assert list(TORCH_COSTS) == list(COSTS)


@pytest.mark.parametrize("l2, weight_decay", [("torch", 1e-3), ("textbook", 5.0)])
@pytest.mark.parametrize("cost", COSTS)
def test_every_cost_and_l2_form_gives_both_backends_one_float64_trajectory(study_data, cost, l2, weight_decay):
    numpy_losses, torch_losses = (
        trajectory(
            model_of(backend, wd=weight_decay, cost=cost, l2=l2, n_train=len(study_data.y_train)), study_data, 200
        )
        for backend in BACKENDS
    )
    assert numpy_losses[-1] < numpy_losses[0]  # it learns
    np.testing.assert_allclose(torch_losses, numpy_losses, rtol=1e-9, atol=0)


def test_nielsens_network_py_setting_gives_both_backends_one_float64_trajectory(study_data):
    """784-30-10, sigmoid throughout, quadratic cost, N(0, 1) weights and biases, batches of 10 at eta 3.0."""
    numpy_losses, torch_losses = (
        trajectory(
            model_of(backend, hidden=(30,), init="standard_normal", lr=3.0, cost="sigmoid_quadratic"),
            study_data,
            500,
            10,
        )
        for backend in BACKENDS
    )
    assert numpy_losses[-50:].mean() < 0.5 * numpy_losses[:50].mean()  # it learns
    np.testing.assert_allclose(torch_losses, numpy_losses, rtol=1e-9, atol=0)


@pytest.mark.parametrize("bias", BIAS_DRAWS)
@pytest.mark.parametrize("init", ["glorot_normal", "torch_default", "standard_normal", "lecun_normal"])
def test_every_bias_init_starts_both_backends_from_the_same_arrays(study_data, init, bias):
    numpy_model, torch_model = (
        model_of(backend, "tanh", (50, 20), init, lr=0.01, wd=1e-3, bias_init=bias) for backend in BACKENDS
    )
    for (w, b), (wt, bt) in zip(numpy_model.params, torch_model.params, strict=True):
        np.testing.assert_array_equal(w, wt)
        np.testing.assert_array_equal(b, bt)
    if bias == "zero":
        assert not any(b.any() for _, b in numpy_model.params)
    # 20 steps at lr 0.01, as for the weight schemes: N(0, 1) draws make training chaotic
    np.testing.assert_allclose(
        trajectory(torch_model, study_data, 20), trajectory(numpy_model, study_data, 20), rtol=1e-9
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_textbook_l2_shrinks_the_weights_by_one_minus_eta_lambda_over_n_and_leaves_the_biases(small_data, backend):
    """Nielsen's network2.py: w <- (1 - eta lambda / n) w - eta grad, b <- b - eta grad."""
    lr, lam, n = 0.5, 5.0, 1000
    x, y = small_data.x_train[:64], small_data.y_train[:64].copy()
    decayed = model_of(backend, init="torch_default", lr=lr, wd=lam, l2="textbook", n_train=n)  # non-zero biases
    plain = model_of(backend, init="torch_default", lr=lr)
    before = [(w.copy(), b.copy()) for w, b in decayed.params]  # numpy's params are its live arrays
    decayed.train_step(x.astype(np.float64), y)
    plain.train_step(x.astype(np.float64), y)
    for (w0, _), (w, b), (w_plain, b_plain) in zip(before, decayed.params, plain.params, strict=True):
        np.testing.assert_array_equal(b, b_plain)  # the plain step: biases are not decayed
        np.testing.assert_allclose(w, w_plain - lr * lam / n * w0, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("cost", COSTS)
@pytest.mark.parametrize("backend", BACKENDS)
def test_each_costs_evaluation_loss_is_the_training_loss_of_the_same_batch(small_data, backend, cost):
    x, y = small_data.x_train[:100], small_data.y_train[:100]
    for dtype, rel in (("float64", 1e-12), ("float32", 1e-5)):
        model = model_of(backend, hidden=(30,), init="standard_normal", lr=3.0, cost=cost, dtype=dtype)
        evaluation = evaluate(model, x, y)  # before the step, which reports the loss before it too
        loss, n_correct = model.train_step(x.astype(dtype), y)
        assert evaluation.loss == pytest.approx(loss, rel=rel), dtype
        assert evaluation.accuracy == n_correct / len(y)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_unknown_cost_or_l2_form_and_textbook_decay_without_n_are_refused_by_name(backend):
    with pytest.raises(ValueError, match="unknown cost 'hinge'; choose one of"):
        model_of(backend, cost="hinge")
    with pytest.raises(ValueError, match="unknown L2 form 'l1'; choose one of"):
        model_of(backend, l2="l1")
    with pytest.raises(ValueError, match="divides lambda by the training set's size; got n_train=None"):
        model_of(backend, wd=5.0, l2="textbook")
