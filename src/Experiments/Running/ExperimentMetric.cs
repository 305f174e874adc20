using Microsoft.ML;

namespace MLNet.Extensions.Experiments;

/// <summary>
/// The metric an experiment optimizes: one of ML.NET's evaluator metrics with its direction and the tasks it fits,
/// or a custom delegate.
/// </summary>
public sealed class ExperimentMetric
{
    private readonly Func<MetricContext, ExperimentTask, double> _compute;

    private ExperimentMetric(string name, bool higherIsBetter, ExperimentTask[] tasks, Func<MetricContext, ExperimentTask, double> compute)
    {
        Name = name;
        HigherIsBetter = higherIsBetter;
        Tasks = tasks;
        _compute = compute;
    }

    /// <summary>The metric's name as the leaderboard prints it.</summary>
    public string Name { get; }

    /// <summary>Whether a larger value is better.</summary>
    public bool HigherIsBetter { get; }

    /// <summary>The tasks this metric can score.</summary>
    public IReadOnlyList<ExperimentTask> Tasks { get; }

    /// <summary>Micro accuracy (multiclass) or accuracy (binary).</summary>
    public static ExperimentMetric Accuracy { get; } = new("Accuracy", true,
        [ExperimentTask.MulticlassClassification, ExperimentTask.BinaryClassification],
        (c, task) => task == ExperimentTask.MulticlassClassification
            ? c.MLContext.MulticlassClassification.Evaluate(c.Scored, c.LabelColumnName).MicroAccuracy
            : c.MLContext.BinaryClassification.EvaluateNonCalibrated(c.Scored, c.LabelColumnName).Accuracy);

    /// <summary>Macro accuracy: the mean of per-class accuracies (multiclass).</summary>
    public static ExperimentMetric MacroAccuracy { get; } = new("MacroAccuracy", true, [ExperimentTask.MulticlassClassification],
        (c, _) => c.MLContext.MulticlassClassification.Evaluate(c.Scored, c.LabelColumnName).MacroAccuracy);

    /// <summary>Log-loss (multiclass, or binary from the Probability column).</summary>
    public static ExperimentMetric LogLoss { get; } = new("LogLoss", false,
        [ExperimentTask.MulticlassClassification, ExperimentTask.BinaryClassification],
        (c, task) => task == ExperimentTask.MulticlassClassification
            ? c.MLContext.MulticlassClassification.Evaluate(c.Scored, c.LabelColumnName).LogLoss
            : c.MLContext.BinaryClassification.Evaluate(c.Scored, c.LabelColumnName).LogLoss);

    /// <summary>Area under the ROC curve (binary).</summary>
    public static ExperimentMetric AreaUnderRocCurve { get; } = new("AUC", true, [ExperimentTask.BinaryClassification],
        (c, _) => c.MLContext.BinaryClassification.EvaluateNonCalibrated(c.Scored, c.LabelColumnName).AreaUnderRocCurve);

    /// <summary>F1 score (binary).</summary>
    public static ExperimentMetric F1Score { get; } = new("F1", true, [ExperimentTask.BinaryClassification],
        (c, _) => c.MLContext.BinaryClassification.EvaluateNonCalibrated(c.Scored, c.LabelColumnName).F1Score);

    /// <summary>Root mean squared error (regression).</summary>
    public static ExperimentMetric RootMeanSquaredError { get; } = new("RMSE", false, [ExperimentTask.Regression],
        (c, _) => c.MLContext.Regression.Evaluate(c.Scored, c.LabelColumnName).RootMeanSquaredError);

    /// <summary>Mean absolute error (regression).</summary>
    public static ExperimentMetric MeanAbsoluteError { get; } = new("MAE", false, [ExperimentTask.Regression],
        (c, _) => c.MLContext.Regression.Evaluate(c.Scored, c.LabelColumnName).MeanAbsoluteError);

    /// <summary>Coefficient of determination (regression).</summary>
    public static ExperimentMetric RSquared { get; } = new("R2", true, [ExperimentTask.Regression],
        (c, _) => c.MLContext.Regression.Evaluate(c.Scored, c.LabelColumnName).RSquared);

    /// <summary>A metric of your own for any task; <paramref name="compute"/> must return a finite number.</summary>
    public static ExperimentMetric Custom(string name, Func<MetricContext, double> compute, bool higherIsBetter)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("A custom metric needs a name.", nameof(name));
        ArgumentNullException.ThrowIfNull(compute);
        return new(name, higherIsBetter, Enum.GetValues<ExperimentTask>(), (c, _) => compute(c));
    }

    /// <summary>The metric of a scored validation split.</summary>
    public double Compute(MetricContext context, ExperimentTask task) => _compute(context, task);

    /// <summary>The metric turned so that higher is better (what tuners maximize).</summary>
    public double ToScore(double value) => HigherIsBetter ? value : -value;

    /// <inheritdoc />
    public override string ToString() => Name;
}
