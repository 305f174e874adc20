using Microsoft.ML.SearchSpace;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Lstm;

/// <summary>Options of the LSTM sequence trainers: how to read sequences and the shape of the network, plus the shared training options.</summary>
public sealed record LstmOptions : NetworkTrainingOptions
{
    /// <summary>Defaults of the LSTM options.</summary>
    public static new class Defaults
    {
        /// <summary>Hidden units per direction.</summary>
        public const int HiddenSize = 64;
        /// <summary>Gradient norm bound; recurrent networks need clipping against exploding gradients.</summary>
        public const float GradientClipNorm = 5f;
    }

    /// <summary>Sets the LSTM defaults that differ from the shared ones (gradient clipping on).</summary>
    public LstmOptions()
    {
        GradientClipNorm = Defaults.GradientClipNorm;
    }

    /// <summary>
    /// Features per time step (F); 0 takes it from a 2-D (T, F) feature column type (SlidingWindow's) and is an error on a
    /// flat vector, whose steps could be any width.
    /// </summary>
    public int FeaturesPerStep { get; init; }

    /// <summary>Per-sequence features stored after the steps in the feature vector (joined to the last hidden state).</summary>
    public int TrailingFeatures { get; init; }

    /// <summary>Whether the feature column holds vectors of varying length (T = (length - TrailingFeatures) / F); shorter sequences are padded and masked.</summary>
    public bool VariableLength { get; init; }

    /// <summary>Hidden units per direction of every LSTM layer.</summary>
    [Range(16, 256, 64, true)]
    public int HiddenSize { get; init; } = Defaults.HiddenSize;

    /// <summary>Stacked LSTM layers.</summary>
    [Range(1, 3, 1)]
    public int LayerCount { get; init; } = 1;

    /// <summary>Whether each layer also reads the sequence backwards (outputs of both directions are concatenated).</summary>
    [BooleanChoice]
    public bool Bidirectional { get; init; }

    /// <summary>Dropout between stacked LSTM layers while training.</summary>
    [Range(0f, 0.5f, 0f)]
    public float Dropout { get; init; }

    /// <summary>Units of a ReLU dense layer between the last hidden state and the output; 0 for none.</summary>
    public int DenseUnits { get; init; }

    /// <summary>The recurrent cell of the layers the simple knobs build.</summary>
    [Choice(new object[] { RecurrentKind.Lstm, RecurrentKind.Gru }, RecurrentKind.Lstm)]
    public RecurrentKind Cell { get; init; } = RecurrentKind.Lstm;

    /// <summary>
    /// Any layer stack on the sequence input (recurrent, 1-D convolution, pooling, dense…); the trainer adds the output layer.
    /// When set, it replaces the stack built from <see cref="Cell"/>, <see cref="HiddenSize"/>, <see cref="LayerCount"/>,
    /// <see cref="Bidirectional"/>, <see cref="Dropout"/> and <see cref="DenseUnits"/>.
    /// </summary>
    public LayerStack? Layers { get; init; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Require(FeaturesPerStep >= 0, nameof(FeaturesPerStep), FeaturesPerStep, "zero (from the column type) or positive");
        Require(TrailingFeatures >= 0, nameof(TrailingFeatures), TrailingFeatures, "zero or positive");
        Require(HiddenSize is >= 1 and <= 16_384, nameof(HiddenSize), HiddenSize, "1 to 16384");
        Require(LayerCount >= 1, nameof(LayerCount), LayerCount, "at least 1");
        Require(float.IsFinite(Dropout) && Dropout >= 0 && Dropout < 1, nameof(Dropout), Dropout, "in [0, 1)");
        Require(DenseUnits >= 0, nameof(DenseUnits), DenseUnits, "zero (none) or positive");
        Require(Enum.IsDefined(Cell), nameof(Cell), Cell, "a RecurrentKind");
        Require(Layers is null || Layers.Count > 0, nameof(Layers), "an empty stack", "null or at least one layer");
        Layers?.Validate();
    }
}
