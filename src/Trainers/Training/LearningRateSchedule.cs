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
    /// <summary>
    /// Keras' ReduceLROnPlateau: multiplied by <see cref="NetworkTrainingOptions.PlateauFactor"/> when the validation loss
    /// (the training loss without validation data) has not improved for <see cref="NetworkTrainingOptions.PlateauPatience"/>
    /// epochs, never below <see cref="NetworkTrainingOptions.MinLearningRate"/>.
    /// </summary>
    ReduceOnPlateau,
}
