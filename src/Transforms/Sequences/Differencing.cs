namespace MLNet.Extensions.Transforms.Sequences;

/// <summary>
/// Differencing of a series and its inverse, shared by <see cref="SlidingWindowTransformer"/> and the forecaster so that
/// both remove a trend, and the forecaster restores it, with the same arithmetic.
/// </summary>
internal static class Differencing
{
    /// <summary>
    /// Differences <paramref name="values"/> <paramref name="order"/> times in place; afterwards its first
    /// <c>Length - order</c> values hold the differenced series (value i is the order-th difference ending at i + order).
    /// </summary>
    public static void ApplyInPlace(Span<float> values, int order)
    {
        if (order < 0 || order >= Math.Max(values.Length, 1))
            throw new ArgumentOutOfRangeException(nameof(order), order, $"The differencing order must be in [0, {values.Length}) for {values.Length} values.");
        for (int level = 1; level <= order; level++)
        {
            for (int i = 0; i < values.Length - level; i++)
                values[i] = values[i + 1] - values[i];
        }
    }

    /// <summary>The series differenced <paramref name="order"/> times: <c>series.Length - order</c> values.</summary>
    public static float[] Apply(ReadOnlySpan<float> series, int order)
    {
        float[] values = series.ToArray();
        ApplyInPlace(values, order);
        return values[..^order];
    }

    /// <summary>
    /// Turns <paramref name="values"/>, forecasts of the next order-th differences after <paramref name="recent"/>, into
    /// forecasts of the series itself, in place; reads the last <paramref name="order"/> values of <paramref name="recent"/>.
    /// </summary>
    public static void Undo(ReadOnlySpan<float> recent, int order, Span<float> values)
    {
        if (order == 0)
            return;
        if (recent.Length < order)
            throw new ArgumentException($"Undoing differencing of order {order} needs the last {order} values; there are {recent.Length}.", nameof(recent));
        // levels[j] is the last known j-th difference; each forecast step adds the next difference one level down.
        Span<float> levels = order <= 16 ? stackalloc float[order] : new float[order];
        Span<float> tail = order <= 16 ? stackalloc float[order] : new float[order];
        recent[^order..].CopyTo(tail);
        for (int j = 0; j < order; j++)
        {
            levels[j] = tail[order - 1 - j];
            for (int i = 0; i < order - 1 - j; i++)
                tail[i] = tail[i + 1] - tail[i];
        }
        for (int k = 0; k < values.Length; k++)
        {
            float next = values[k];
            for (int j = order - 1; j >= 0; j--)
            {
                levels[j] += next;
                next = levels[j];
            }
            values[k] = next;
        }
    }
}
