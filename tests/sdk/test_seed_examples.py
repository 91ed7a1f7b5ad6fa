"""The seed's "Python SDK Usage" examples, transcribed with only the import line changed
(and small trial counts). They run end to end against the real engine."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _write(frame_loader, path):
    data = frame_loader(as_frame=True)
    df = data.frame.rename(columns={data.target.name: "target"})
    df.iloc[::17, 0] = np.nan  # real files have holes: clean_data must fill them
    df.to_csv(path, index=False)


def test_basic_classification_example(in_tmp):
    _write(load_breast_cancer, in_tmp / "data.csv")
    # ---- seed example from here, import line changed ----
    from mlcore import DataPreparation, ModelSelector, TrainingDashboard, ModelEvaluator, ModelDeployment
    import pandas as pd

    # 1. Load data
    df = pd.read_csv("data.csv")
    X = df.drop(columns=["target"])
    y = df["target"]

    # 2. Data Preparation
    data_prep = DataPreparation()

    # Clean data
    df_clean = data_prep.clean_data(df, missing_strategy="mean")
    X = df_clean.drop(columns=["target"])
    y = df_clean["target"]

    # Select features
    X_selected, features = data_prep.select_features(
        X, y, method="tree_importance", n_features=10
    )

    # Split data
    X_train, X_val, X_test, y_train, y_val, y_test = data_prep.split_data(
        X_selected, y, test_size=0.2, validation_size=0.1, stratify=True
    )

    # Scale features
    X_train = data_prep.scale_features(X_train, method="standard", fit=True)
    X_val = data_prep.scale_features(X_val, method="standard", fit=False)
    X_test = data_prep.scale_features(X_test, method="standard", fit=False)

    # 3. Model Selection
    model_selector = ModelSelector(task_type="classification")

    # Compare models
    comparison = model_selector.compare_models(
        X_train, y_train, models=["random_forest", "xgboost"], cv=5
    )
    print(comparison)

    # Hyperparameter tuning
    results = model_selector.optuna_search(
        X_train, y_train, model_name="random_forest", n_trials=4
    )
    print(f"Best params: {results['best_params']}")

    # 4. Training with Monitoring
    dashboard = TrainingDashboard(task_type="classification", patience=10)
    model = dashboard.train_with_monitoring(
        model_selector.best_model, X_train, y_train, X_val, y_val
    )

    # 5. Evaluation
    evaluator = ModelEvaluator(task_type="classification")
    y_pred = model.predict(X_test)
    y_pred_proba = model.predict_proba(X_test)

    eval_results = evaluator.evaluate(y_test, y_pred, y_pred_proba)
    print(evaluator.generate_evaluation_report())

    # Plot evaluation metrics
    evaluator.plot_confusion_matrix(y_test, y_pred, save_path="confusion_matrix.png")
    evaluator.plot_roc_curve(y_test, y_pred_proba[:, 1], save_path="roc_curve.png")

    # 6. Deployment
    deployment = ModelDeployment(models_dir="models")
    model_id = deployment.save_model(
        model=model,
        name="my_classifier",
        version="1.0.0",
        task_type="classification",
        algorithm="random_forest",
        metrics=eval_results,
        hyperparameters=results["best_params"],
        feature_names=features,
        target_name="target",
        training_samples=len(X_train),
    )

    # Promote to production
    deployment.promote_to_production(model_id)

    # Make predictions
    loaded_model, metadata = deployment.load_model(model_id)
    predictions = loaded_model.predict(X_test)
    # ---- end of seed example: check what it produced ----
    assert len(features) == 10 and list(X_selected.columns) == features
    assert len(X_train) + len(X_val) + len(X_test) == len(df_clean)
    assert abs(float(X_train.mean().abs().max())) < 1e-6
    assert eval_results["accuracy"] > 0.85
    assert (in_tmp / "confusion_matrix.png").stat().st_size > 1000 and (in_tmp / "roc_curve.png").exists()
    assert metadata["status"] == "production" and metadata["version"] == "1.0.0"
    assert (predictions == y_pred).all()
    assert len(dashboard.history) >= 1
    deployment.close()


def test_regression_example(in_tmp):
    from mlcore import DataPreparation, ModelSelector, TrainingDashboard, ModelEvaluator

    data = load_diabetes(as_frame=True)
    X, y = data.data, data.target
    data_prep = DataPreparation()
    X_train, X_val, X_test, y_train, y_val, y_test = data_prep.split_data(X, y, test_size=0.2, validation_size=0.1,
                                                                          stratify=False)
    # Similar to classification, but use task_type="regression"
    model_selector = ModelSelector(task_type="regression")
    dashboard = TrainingDashboard(task_type="regression")
    evaluator = ModelEvaluator(task_type="regression")
    # The API is the same, but metrics will be R², RMSE, MAE, etc.
    comparison = model_selector.compare_models(X_train, y_train, models=["ridge", "lightgbm"], cv=3)
    print(comparison)
    model = dashboard.train_with_monitoring(model_selector.best_model, X_train, y_train, X_val, y_val)
    metrics = evaluator.evaluate(y_test, model.predict(X_test))
    assert {"r2", "rmse", "mae", "mape", "explained_variance"} <= set(metrics)
    assert metrics["r2"] > 0.2


def test_ensemble_methods_example(in_tmp):
    from mlcore import ModelSelector

    data = load_breast_cancer(as_frame=True)
    X_train, y_train = data.data.iloc[:400], data.target.iloc[:400]
    X_test, y_test = data.data.iloc[400:], data.target.iloc[400:]
    model_selector = ModelSelector(task_type="classification")

    # Voting Ensemble
    voting_ensemble = model_selector.create_voting_ensemble(
        models=["random_forest", "xgboost", "logistic"],
        voting="soft"
    )
    voting_ensemble.fit(X_train, y_train)

    # Stacking Ensemble
    stacking_ensemble = model_selector.create_stacking_ensemble(
        base_models=["random_forest", "xgboost"],
        meta_model="logistic",
        cv=3
    )
    stacking_ensemble.fit(X_train, y_train)
    assert (voting_ensemble.predict(X_test) == y_test.to_numpy()).mean() > 0.9
    assert (stacking_ensemble.predict(X_test) == y_test.to_numpy()).mean() > 0.9
    assert voting_ensemble.predict_proba(X_test).shape == (len(X_test), 2)


def test_ab_testing_example(in_tmp):
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    from mlcore import ModelDeployment

    data = load_breast_cancer(as_frame=True)
    X_test = data.data.iloc[:50]
    deployment = ModelDeployment(models_dir="models")
    a = deployment.save_model(LogisticRegression(max_iter=5000).fit(data.data, data.target), name="ab_model",
                              version="1.0.0", task_type="classification", algorithm="logistic")
    b = deployment.save_model(DecisionTreeClassifier(random_state=0).fit(data.data, data.target), name="ab_model",
                              version="1.1.0", task_type="classification", algorithm="decision_tree")
    model_a_id, model_b_id = a, b

    # Setup A/B test
    ab_config = deployment.setup_ab_test(
        model_a_id=model_a_id,
        model_b_id=model_b_id,
        test_name="my_ab_test",
        split_ratio=0.5
    )

    # Make predictions with A/B test
    predictions, model_used = deployment.predict_ab_test(
        test_name="my_ab_test",
        X=X_test,
        user_id="user123"
    )
    again, used_again = deployment.predict_ab_test(test_name="my_ab_test", X=X_test, user_id="user123")
    assert ab_config["split_ratio"] == 0.5 and ab_config["name"] == "my_ab_test"
    assert model_used in (a, b) and used_again == model_used  # sticky
    assert len(predictions) == 50
    deployment.close()
