namespace MLNet.Extensions.Trainers.Training;

/// <summary>One mini-batch in the layout the networks read: features (N, featureSize), targets and optional sequence lengths.</summary>
internal sealed class TrainingBatch
{
    /// <summary>A batch of <paramref name="capacity"/> samples; <paramref name="weighted"/> gives it a weight per sample.</summary>
    public TrainingBatch(int capacity, int featureSize, int targetSize, bool weighted = false)
    {
        Weights = weighted ? new float[capacity] : [];
        Capacity = capacity;
        FeatureSize = featureSize;
        TargetSize = targetSize;
        Features = new float[capacity * featureSize];
        Targets = new float[capacity * targetSize];
        ClassLabels = new int[capacity];
        Lengths = new int[capacity];
    }

    /// <summary>Most samples the batch holds.</summary>
    public int Capacity { get; }

    /// <summary>Floats per sample in <see cref="Features"/>.</summary>
    public int FeatureSize { get; }

    /// <summary>Floats per sample in <see cref="Targets"/>.</summary>
    public int TargetSize { get; }

    /// <summary>Samples filled.</summary>
    public int Count { get; set; }

    /// <summary>Features, sample after sample; variable-length samples are zero-padded to <see cref="FeatureSize"/>.</summary>
    public float[] Features { get; }

    /// <summary>Regression targets or binary labels (0/1), sample after sample.</summary>
    public float[] Targets { get; }

    /// <summary>Class indices for multiclass classification.</summary>
    public int[] ClassLabels { get; }

    /// <summary>
    /// Each sample's loss weight (example weight times class weight), or empty when every sample counts once; the loss
    /// multiplies each sample's loss by it.
    /// </summary>
    public float[] Weights { get; }

    /// <summary>Whether <see cref="Weights"/> holds per-sample weights.</summary>
    public bool HasWeights => Weights.Length > 0;

    /// <summary>Used floats of each sample's features (equal to <see cref="FeatureSize"/> unless the column has variable length).</summary>
    public int[] Lengths { get; }
}
