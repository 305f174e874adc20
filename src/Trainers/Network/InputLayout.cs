namespace MLNet.Extensions.Trainers.Network;

/// <summary>
/// How a feature vector feeds a network: a sample of <paramref name="Shape"/> followed by <paramref name="TrailingFeatures"/>
/// per-sample values that bypass the layers before <c>AppendTrailingFeaturesSpec</c>. A variable-length sequence holds a whole
/// number of steps (at most <c>Shape.Steps</c>) before its trailing values and is zero-padded to the full shape.
/// </summary>
/// <param name="Shape">Shape of the network's first layer's input.</param>
/// <param name="TrailingFeatures">Per-sample values after the sample (E).</param>
/// <param name="VariableLength">Whether sequences may be shorter than <c>Shape.Steps</c>.</param>
internal readonly record struct InputLayout(TensorShape Shape, int TrailingFeatures = 0, bool VariableLength = false)
{
    /// <summary>Floats of a full feature vector: the sample plus the trailing values.</summary>
    public int Size => Shape.Size + TrailingFeatures;

    /// <summary>Floats per step (features of a sequence; 1 otherwise, so any length divides).</summary>
    public int StepSize => Shape.IsSequence ? Shape.Features : 1;

    /// <summary>Whether a feature vector of <paramref name="length"/> floats fits.</summary>
    public bool Accepts(int length) => VariableLength
        ? length > TrailingFeatures && length <= Size && (length - TrailingFeatures) % StepSize == 0
        : length == Size;

    /// <summary>What <see cref="Accepts"/> wants, for error messages.</summary>
    public string Describe() => VariableLength
        ? $"{TrailingFeatures} + a positive multiple of {StepSize}, at most {Size}"
        : $"{Size}";

    /// <summary>Steps held by a vector of <paramref name="length"/> floats (all steps for fixed-length input).</summary>
    public int StepsOf(int length) => Shape.IsSequence ? (length - TrailingFeatures) / Shape.Features : Shape.Steps;
}
