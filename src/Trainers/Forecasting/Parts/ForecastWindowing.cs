using MLNet.Extensions.Transforms.Sequences;

namespace MLNet.Extensions.Trainers.Forecasting.Parts;

/// <summary>
/// The forecaster's windowing step: it models the series differenced <see cref="DifferencingOrder"/> times (with the
/// differencing <see cref="SlidingWindowTransformer"/> uses), reads <see cref="WindowSize"/> modelled values and forecasts
/// <see cref="Horizon"/> of them, which it turns back into values of the series.
/// </summary>
internal sealed record ForecastWindowing(int WindowSize, int Horizon, int DifferencingOrder)
{
    /// <summary>Raw values one forecast reads: the window plus the differencing lag.</summary>
    public int HistoryLength => WindowSize + DifferencingOrder;

    /// <summary>The modelled series of a whole raw series (what the network learns).</summary>
    public float[] Modelled(ReadOnlySpan<float> series) => Differencing.Apply(series, DifferencingOrder);

    /// <summary>
    /// The last window of the modelled series after <paramref name="recent"/>, written into <paramref name="scratch"/>
    /// (<see cref="HistoryLength"/> floats); returns its first <see cref="WindowSize"/> values.
    /// </summary>
    public Span<float> Window(ReadOnlySpan<float> recent, Span<float> scratch)
    {
        recent[^HistoryLength..].CopyTo(scratch);
        Differencing.ApplyInPlace(scratch[..HistoryLength], DifferencingOrder);
        return scratch[..WindowSize];
    }

    /// <summary>Turns forecasts of the modelled series after <paramref name="recent"/> into forecasts of the series, in place.</summary>
    public void Restore(ReadOnlySpan<float> recent, Span<float> values) => Differencing.Undo(recent, DifferencingOrder, values);
}
