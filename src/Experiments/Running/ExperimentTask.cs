namespace MLNet.Extensions.Experiments;

/// <summary>The ML.NET task an experiment's candidates solve; it decides which metrics fit.</summary>
public enum ExperimentTask
{
    /// <summary>Key-typed label, Score vector (MulticlassClassification catalog).</summary>
    MulticlassClassification,

    /// <summary>Boolean label, Score and Probability (BinaryClassification catalog).</summary>
    BinaryClassification,

    /// <summary>Single label, Score (Regression catalog).</summary>
    Regression,
}
