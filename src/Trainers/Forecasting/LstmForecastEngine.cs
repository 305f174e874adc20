using System.Text;

namespace MLNet.Extensions.Trainers.Forecasting;

/// <summary>
/// Forecasts one step at a time: feed each new observation with <see cref="Update(float)"/> (or, for a forecaster trained
/// with covariates, <see cref="Update(float, ReadOnlySpan{float})"/>), ask for the next values with <see cref="Predict"/>.
/// Its state (the recent values) can be saved and restored, like ML.NET's time-series engine checkpoints. Not thread-safe:
/// one engine per stream of observations.
/// </summary>
public sealed class LstmForecastEngine
{
    private const string StateMagic = "MLNXFCST";
    // Version 1: count, then the targets; version 2 (forecasters with covariates): count, covariate count, then per row
    // the target and its covariates. Univariate engines still write version 1.
    private const int StateVersion = 1;
    private const int CovariateStateVersion = 2;
    private readonly LstmForecastModel _model;
    private readonly ForecastSession _session;
    private readonly List<float> _recent = [];
    private readonly List<float> _recentCovariates = [];

    internal LstmForecastEngine(LstmForecastModel model, IEnumerable<float> history)
    {
        _model = model;
        _session = model.CreateSession();
        foreach (float value in history)
            Update(value);
    }

    internal LstmForecastEngine(LstmForecastModel model, IReadOnlyList<float> history, ReadOnlySpan<float> covariates)
    {
        _model = model;
        _session = model.CreateSession();
        int c = model.Covariates.Count;
        for (int i = 0; i < history.Count; i++)
            Update(history[i], covariates.Slice(i * c, c));
    }

    /// <summary>Values each forecast holds.</summary>
    public int Horizon => _model.Horizon;

    /// <summary>Observations needed before <see cref="Predict"/> can answer.</summary>
    public int RequiredHistory => _model.HistoryLength;

    /// <summary>The covariate columns <see cref="Update(float, ReadOnlySpan{float})"/> takes, in order (empty for a univariate forecaster).</summary>
    public IReadOnlyList<string> CovariateColumnNames => _model.Covariates.Names;

    /// <summary>Whether enough observations have been seen to forecast.</summary>
    public bool IsReady => _recent.Count >= _model.HistoryLength;

    /// <summary>
    /// Adds the newest observation of a forecaster trained without covariates; non-finite values are rejected because
    /// they would poison every later forecast.
    /// </summary>
    public void Update(float observation)
    {
        if (_model.Covariates.Count > 0)
            throw new InvalidOperationException(
                $"This forecaster was trained with {_model.Covariates.Count} covariate(s) ({Names}); call Update(target, covariates) with " +
                $"{_model.Covariates.Count} covariate value(s) in that order.");
        Update(observation, []);
    }

    /// <summary>
    /// Adds the newest observation of the target with the covariates observed at the same step, one value per covariate
    /// in the order of <see cref="CovariateColumnNames"/>; non-finite values are rejected.
    /// </summary>
    public void Update(float target, params ReadOnlySpan<float> covariates)
    {
        int c = _model.Covariates.Count;
        if (covariates.Length != c)
            throw new ArgumentException(
                $"Update got {covariates.Length} covariate value(s); this forecaster expects {c}" + (c > 0 ? $" ({Names}, in that order)." : " (it was trained without covariates; call Update(target))."),
                nameof(covariates));
        if (!float.IsFinite(target))
            throw new ArgumentOutOfRangeException(nameof(target), target, "Observations must be finite.");
        for (int i = 0; i < c; i++)
        {
            if (!float.IsFinite(covariates[i]))
                throw new ArgumentOutOfRangeException(nameof(covariates), covariates[i],
                    $"Covariate '{_model.Covariates.Names[i]}' must be finite; it is {covariates[i]}.");
        }
        _recent.Add(target);
        foreach (float value in covariates)
            _recentCovariates.Add(value);
        if (_recent.Count > _model.HistoryLength)
        {
            _recent.RemoveAt(0);
            _recentCovariates.RemoveRange(0, c);
        }
    }

    /// <summary>The next <see cref="Horizon"/> values after the latest observation, with bounds.</summary>
    public ForecastResult Predict()
    {
        if (!IsReady)
            throw new InvalidOperationException($"The engine has seen {_recent.Count} observations; it needs {_model.HistoryLength} before forecasting.");
        var result = new ForecastResult(new float[Horizon], new float[Horizon], new float[Horizon]);
        _model.Forecast(_session, _recent.ToArray(), _recentCovariates.ToArray(), result.Forecast, result.LowerBound, result.UpperBound);
        return result;
    }

    /// <summary>Writes the engine's state: magic, version, count, then the recent values (each with its covariates, if any).</summary>
    public void SaveState(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        int c = _model.Covariates.Count;
        writer.Write(StateMagic);
        writer.Write(c == 0 ? StateVersion : CovariateStateVersion);
        writer.Write(_recent.Count);
        if (c > 0)
            writer.Write(c);
        for (int i = 0; i < _recent.Count; i++)
        {
            writer.Write(_recent[i]);
            for (int k = 0; k < c; k++)
                writer.Write(_recentCovariates[i * c + k]);
        }
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
            if (version is not (StateVersion or CovariateStateVersion))
                throw new InvalidDataException($"Forecast engine state version {version} is not supported (expected {StateVersion} or {CovariateStateVersion}).");
            int count = reader.ReadInt32();
            if (count < 0 || count > _model.HistoryLength)
                throw new InvalidDataException($"Forecast engine state holds {count} values; this model keeps at most {_model.HistoryLength}.");
            int c = version == StateVersion ? 0 : reader.ReadInt32();
            if (c != _model.Covariates.Count)
                throw new InvalidDataException(
                    $"Forecast engine state holds {c} covariate(s) per row; this forecaster has {_model.Covariates.Count}.");
            var values = new float[count];
            var covariates = new float[count * c];
            for (int i = 0; i < count; i++)
            {
                values[i] = reader.ReadSingle();
                for (int k = 0; k < c; k++)
                    covariates[i * c + k] = reader.ReadSingle();
            }
            _recent.Clear();
            _recentCovariates.Clear();
            for (int i = 0; i < count; i++)
                Update(values[i], covariates.AsSpan(i * c, c));
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The forecast engine state is truncated.", e);
        }
    }

    private string Names => string.Join(", ", _model.Covariates.Names.Select(n => $"'{n}'"));
}
