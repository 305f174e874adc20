using System.Text;

namespace MLNet.Extensions.Trainers.Forecasting;

/// <summary>
/// Forecasts one step at a time: feed each new observation with <see cref="Update"/>, ask for the next values with
/// <see cref="Predict"/>. Its state (the recent values) can be saved and restored, like ML.NET's time-series engine
/// checkpoints. Not thread-safe: one engine per stream of observations.
/// </summary>
public sealed class LstmForecastEngine
{
    private const string StateMagic = "MLNXFCST";
    private const int StateVersion = 1;
    private readonly LstmForecastModel _model;
    private readonly ForecastSession _session;
    private readonly List<float> _recent = [];

    internal LstmForecastEngine(LstmForecastModel model, IEnumerable<float> history)
    {
        _model = model;
        _session = model.CreateSession();
        foreach (float value in history)
            Update(value);
    }

    /// <summary>Values each forecast holds.</summary>
    public int Horizon => _model.Horizon;

    /// <summary>Observations needed before <see cref="Predict"/> can answer.</summary>
    public int RequiredHistory => _model.HistoryLength;

    /// <summary>Whether enough observations have been seen to forecast.</summary>
    public bool IsReady => _recent.Count >= _model.HistoryLength;

    /// <summary>Adds the newest observation; non-finite values are rejected because they would poison every later forecast.</summary>
    public void Update(float observation)
    {
        if (!float.IsFinite(observation))
            throw new ArgumentOutOfRangeException(nameof(observation), observation, "Observations must be finite.");
        _recent.Add(observation);
        if (_recent.Count > _model.HistoryLength)
            _recent.RemoveAt(0);
    }

    /// <summary>The next <see cref="Horizon"/> values after the latest observation, with bounds.</summary>
    public ForecastResult Predict()
    {
        if (!IsReady)
            throw new InvalidOperationException($"The engine has seen {_recent.Count} observations; it needs {_model.HistoryLength} before forecasting.");
        var result = new ForecastResult(new float[Horizon], new float[Horizon], new float[Horizon]);
        _model.Forecast(_session, _recent.ToArray(), result.Forecast, result.LowerBound, result.UpperBound);
        return result;
    }

    /// <summary>Writes the engine's state: magic, version, count, then the recent values.</summary>
    public void SaveState(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(StateMagic);
        writer.Write(StateVersion);
        writer.Write(_recent.Count);
        foreach (float value in _recent)
            writer.Write(value);
    }

    /// <summary>Replaces the state with one <see cref="SaveState"/> wrote; throws <see cref="InvalidDataException"/> for a foreign or damaged state.</summary>
    public void LoadState(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (reader.ReadString() != StateMagic)
                throw new InvalidDataException("The stream does not hold an LSTM forecast engine state.");
            int version = reader.ReadInt32();
            if (version != StateVersion)
                throw new InvalidDataException($"Forecast engine state version {version} is not supported (expected {StateVersion}).");
            int count = reader.ReadInt32();
            if (count < 0 || count > _model.HistoryLength)
                throw new InvalidDataException($"Forecast engine state holds {count} values; this model keeps at most {_model.HistoryLength}.");
            var values = new float[count];
            for (int i = 0; i < count; i++)
                values[i] = reader.ReadSingle();
            _recent.Clear();
            foreach (float value in values)
                Update(value);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The forecast engine state is truncated.", e);
        }
    }
}
