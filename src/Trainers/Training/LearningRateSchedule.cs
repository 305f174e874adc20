namespace MLNet.Extensions.Trainers.Training;

/// <summary>How the learning rate changes from epoch to epoch.</summary>
public enum LearningRateSchedule
{
    /// <summary>The same rate every epoch.</summary>
    Constant,
    /// <summary>Multiplied by <see cref="NetworkTrainingOptions.StepGamma"/> every <see cref="NetworkTrainingOptions.StepEpochs"/> epochs.</summary>
    Step,
    /// <summary>Cosine decay from the initial rate to <see cref="NetworkTrainingOptions.MinLearningRate"/> over all epochs.</summary>
    Cosine,
}
