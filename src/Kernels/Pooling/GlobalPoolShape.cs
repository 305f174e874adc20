namespace MLNet.Extensions.Kernels.Pooling;

/// <summary>
/// Dimensions of a global pooling: N samples of C channels over P positions, pooled to (N, C). Two layouts:
/// channels-first maps (N, C, P) with P = H*W, and channels-last sequences (N, T, C) with P = T steps.
/// </summary>
public readonly record struct GlobalPoolShape(int Batch, int Channels, int Positions)
{
    /// <summary>Elements of the input: N*C*P.</summary>
    public int InputSize => Batch * Channels * Positions;
    /// <summary>Elements of the output: N*C.</summary>
    public int OutputSize => Batch * Channels;

    /// <summary>Throws unless every dimension is usable.</summary>
    internal void Validate()
    {
        string? problem =
            Batch < 0 ? "Batch must not be negative" :
            Channels < 1 ? "Channels must be at least 1" :
            Positions < 1 || Positions > PoolRows.MaxCount ? $"Positions must be in 1..{PoolRows.MaxCount}" :
            (long)Batch * Channels * Positions > int.MaxValue ? "the input would exceed int.MaxValue elements" :
            null;
        if (problem is not null)
            throw new ArgumentException($"Invalid global pooling shape {this}: {problem}.", "shape");
    }

    /// <summary>
    /// Throws unless <paramref name="lengths"/> is empty (every sequence has all P steps) or holds one length in 0..P per
    /// sample: sequences are right-padded, only their first lengths[n] steps count.
    /// </summary>
    internal void ValidateLengths(ReadOnlySpan<int> lengths)
    {
        if (lengths.IsEmpty)
            return;
        if (lengths.Length != Batch)
            throw new ArgumentException($"lengths has {lengths.Length} elements; expected none or N = {Batch}.", nameof(lengths));
        for (int n = 0; n < Batch; n++)
        {
            if ((uint)lengths[n] > (uint)Positions)
                throw new ArgumentException($"lengths[{n}] is {lengths[n]}; expected 0..{Positions} steps.", nameof(lengths));
        }
    }

    /// <summary>The steps that count in sequence <paramref name="n"/>.</summary>
    internal int Length(ReadOnlySpan<int> lengths, int n) => lengths.IsEmpty ? Positions : lengths[n];
}
