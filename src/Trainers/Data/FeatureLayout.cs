namespace MLNet.Extensions.Trainers.Data;

/// <summary>How a feature column is read: a fixed vector of <see cref="Size"/> floats, or a variable-length one padded to it.</summary>
/// <param name="Size">Floats per sample in a batch (the maximum length for variable-length columns).</param>
/// <param name="VariableLength">Whether rows may be shorter than <see cref="Size"/>.</param>
/// <param name="StepSize">Rows must hold a whole number of steps of this many floats (1 for non-sequences).</param>
/// <param name="TrailingFeatures">Per-sample features after the steps (not part of the sequence).</param>
internal readonly record struct FeatureLayout(int Size, bool VariableLength, int StepSize, int TrailingFeatures = 0)
{
    /// <summary>Whether a row of <paramref name="length"/> floats fits this layout.</summary>
    public bool Accepts(int length) => VariableLength
        ? length > TrailingFeatures && length <= Size && (length - TrailingFeatures) % StepSize == 0
        : length == Size;

    /// <summary>What <see cref="Accepts"/> wants, for error messages.</summary>
    public string Describe() => VariableLength
        ? $"{TrailingFeatures} + a positive multiple of {StepSize}, at most {Size}"
        : $"{Size}";
}
