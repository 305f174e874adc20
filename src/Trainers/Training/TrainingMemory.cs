using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>
/// The memory a training run will take, estimated before anything is allocated from the architecture alone: parameters
/// five times over (values, gradients, two optimizer slots, the best weights kept for restore), non-trained state twice,
/// and one batch of activations, caches and scratch. Options whose estimate exceeds the memory the process may use are
/// refused with the option to change, instead of failing gigabytes later with an <see cref="OutOfMemoryException"/>.
/// </summary>
internal static class TrainingMemory
{
    /// <summary>Bytes training <paramref name="layers"/> on <paramref name="layout"/> in batches of <paramref name="batchSize"/> needs.</summary>
    public static long EstimateBytes(InputLayout layout, LayerStack layers, int batchSize, out long parameterBytes, out long activationBytes)
    {
        var probe = new SequentialNetwork(layout.Shape, layers, layout.TrailingFeatures);
        parameterBytes = 4 * (5L * probe.ParameterCount + 2L * probe.StateCount);
        activationBytes = 4 * (probe.WorkspaceFloats(batchSize) + (long)batchSize * (layout.Size + probe.OutputShape.Size));
        return parameterBytes + activationBytes;
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming <see cref="NetworkTrainingOptions.BatchSize"/> or
    /// <paramref name="sizeOption"/> (whichever dominates) when the estimate exceeds <paramref name="budgetBytes"/>
    /// (default: what the GC reports the process may use).
    /// </summary>
    public static void Check(InputLayout layout, LayerStack layers, NetworkTrainingOptions options, string sizeOption, long? budgetBytes = null)
    {
        long budget = budgetBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        long total = EstimateBytes(layout, layers, options.BatchSize, out long parameters, out long activations);
        if (total <= budget)
            return;
        string option = activations > parameters ? nameof(NetworkTrainingOptions.BatchSize) : sizeOption;
        throw new ArgumentException(
            $"Training this network needs about {Gigabytes(total)} ({Gigabytes(parameters)} for parameters, gradients and optimizer state, " +
            $"{Gigabytes(activations)} for a batch of {options.BatchSize}) but the process may use {Gigabytes(budget)}; reduce {option}.", option);
    }

    private static string Gigabytes(long bytes) => $"{bytes / (double)(1L << 30):F2} GB";
}
