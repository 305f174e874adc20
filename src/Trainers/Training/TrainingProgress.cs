namespace MLNet.Extensions.Trainers.Training;

/// <summary>What one epoch achieved; passed to the progress callback and kept in the model's training history.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Epochs">Epochs planned.</param>
/// <param name="LearningRate">Rate used this epoch.</param>
/// <param name="TrainLoss">Mean training loss over the epoch.</param>
/// <param name="ValidationLoss">Mean validation loss, or null without validation data.</param>
/// <param name="ValidationMetric">Accuracy for classification, RMSE for regression, or null without validation data.</param>
/// <param name="MetricName">Name of <paramref name="ValidationMetric"/>.</param>
/// <param name="SamplesPerSecond">Training throughput this epoch.</param>
/// <param name="Elapsed">Time since training started.</param>
public sealed record TrainingProgress(
    int Epoch, int Epochs, double LearningRate, double TrainLoss, double? ValidationLoss, double? ValidationMetric,
    string MetricName, double SamplesPerSecond, TimeSpan Elapsed)
{
    /// <summary>Why training ends after this epoch before the planned epochs (early stopping), else null; not kept in saved models.</summary>
    public string? StopReason { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"epoch {Epoch}/{Epochs}: lr {LearningRate:G3}, train loss {TrainLoss:F4}" +
        (ValidationLoss is double v ? $", validation loss {v:F4}, {MetricName} {ValidationMetric:F4}" : "") +
        $", {SamplesPerSecond:F0} samples/s, {Elapsed.TotalSeconds:F1} s" +
        (StopReason is null ? "" : $"; stopping: {StopReason}");
}
