namespace MLNet.Extensions.Kernels.Recurrent;

/// <summary>The per-sequence lengths every recurrent kernel takes for right-padded batches.</summary>
internal static class SequenceLengths
{
    /// <summary>Throws unless <paramref name="lengths"/> is empty (all full) or holds one length in [0, steps] per sequence.</summary>
    public static void Validate(ReadOnlySpan<int> lengths, int batch, int steps)
    {
        if (lengths.IsEmpty)
            return;
        if (lengths.Length != batch)
            throw new ArgumentException($"lengths has {lengths.Length} elements; expected {batch} or none.", nameof(lengths));
        foreach (int length in lengths)
        {
            if ((uint)length > (uint)steps)
                throw new ArgumentOutOfRangeException(nameof(lengths), length, $"Sequence lengths must be in [0, {steps}].");
        }
    }
}
