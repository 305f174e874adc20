namespace MLNet.Extensions.Trainers.Training;

/// <summary>
/// Where training stands inside an epoch; passed to <see cref="NetworkTrainingOptions.BatchProgress"/> after every
/// training batch, so a progress bar can move between the per-epoch <see cref="TrainingProgress"/> reports.
/// </summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Epochs">Epochs planned.</param>
/// <param name="Batch">1-based batch number within the epoch.</param>
/// <param name="SamplesSeen">Training samples of this epoch processed so far.</param>
/// <param name="EpochSamples">Training samples per epoch: an estimate in the first epoch, exact after it; null when unknown.</param>
/// <param name="RunningLoss">Mean training loss over this epoch's samples so far.</param>
/// <param name="SamplesPerSecond">Training throughput over this epoch so far.</param>
/// <param name="Elapsed">Time since training started.</param>
/// <param name="EstimatedTimeLeft">Time the planned epochs still need at the current pace (validation included), or null when unknown; early stopping may end sooner.</param>
public sealed record BatchProgress(
    int Epoch, int Epochs, int Batch, long SamplesSeen, long? EpochSamples, double RunningLoss, double SamplesPerSecond,
    TimeSpan Elapsed, TimeSpan? EstimatedTimeLeft)
{
    /// <summary>Share of this epoch done, in [0, 1], or null when the epoch's size is unknown.</summary>
    public double? EpochFraction => EpochSamples is long total && total > 0 ? Math.Min(1.0, SamplesSeen / (double)total) : null;

    /// <inheritdoc />
    public override string ToString() =>
        $"epoch {Epoch}/{Epochs}, batch {Batch}: {SamplesSeen:N0}" + (EpochSamples is long total ? $"/{total:N0}" : "") +
        $" samples, running loss {RunningLoss:F4}, {SamplesPerSecond:F0} samples/s" +
        (EstimatedTimeLeft is TimeSpan left ? $", about {left:h\\:mm\\:ss} left" : "");
}
