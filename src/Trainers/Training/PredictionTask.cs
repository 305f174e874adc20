namespace MLNet.Extensions.Trainers.Training;

/// <summary>What a network's output means, which fixes its loss, output width and scoring columns.</summary>
public enum PredictionTask
{
    /// <summary>Softmax over classes with cross-entropy.</summary>
    MulticlassClassification,
    /// <summary>One logit, sigmoid with binary cross-entropy.</summary>
    BinaryClassification,
    /// <summary>Real-valued outputs with squared error.</summary>
    Regression,
}
