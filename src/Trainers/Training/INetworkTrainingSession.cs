using Microsoft.ML;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>A fit in progress that can run more epochs; the task-independent view of <see cref="NetworkTrainingSession{TTransformer}"/>.</summary>
public interface INetworkTrainingSession
{
    /// <summary>Epochs run so far across every <see cref="Train"/> call.</summary>
    int EpochsCompleted { get; }

    /// <summary>Per-epoch progress of every epoch run so far.</summary>
    IReadOnlyList<TrainingProgress> History { get; }

    /// <summary>Runs <paramref name="epochs"/> more epochs and returns a model of the weights reached (later calls do not change it).</summary>
    ITransformer Train(int epochs, CancellationToken cancellationToken = default);
}
