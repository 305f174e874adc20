using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Models;

/// <summary>What every trained network model of this library exposes, whatever its task; found in a pipeline by <see cref="NetworkModelExtensions"/>.</summary>
public interface INetworkModel
{
    /// <summary>One line per layer with its output shape, input first.</summary>
    IReadOnlyList<string> Layers { get; }

    /// <summary>Number of trained parameters.</summary>
    int ParameterCount { get; }

    /// <summary>Per-epoch losses, metrics and throughput of the training run.</summary>
    IReadOnlyList<TrainingProgress> TrainingHistory { get; }
}
