using System.Text.Json;

namespace MLNet.Extensions.Experiments;

/// <summary>
/// The experiment's journal on disk: one record per finished trial run, in order. Tuners are deterministic for a seed, so
/// a resumed run replays the journal through the tuner (checking each proposal matches) and trains only what is new.
/// </summary>
internal sealed class ExperimentCheckpoint
{
    private const string FileName = "experiment.json";
    private readonly string _path;

    public ExperimentCheckpoint(string folder, string fingerprint)
    {
        Directory.CreateDirectory(folder);
        _path = Path.Combine(folder, FileName);
        Fingerprint = fingerprint;
        if (File.Exists(_path))
        {
            var saved = JsonSerializer.Deserialize<Journal>(File.ReadAllText(_path))
                ?? throw new InvalidDataException($"Checkpoint {_path} is empty.");
            if (saved.Fingerprint != fingerprint)
                throw new InvalidOperationException(
                    $"Checkpoint {_path} was written by a different experiment ({saved.Fingerprint}); this one is {fingerprint}. Use another folder.");
            Records = saved.Records;
        }
    }

    public string Fingerprint { get; }

    public List<Record> Records { get; } = [];

    public void Append(Record record)
    {
        Records.Add(record);
        string temp = _path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(new Journal(Fingerprint, Records)));
        File.Move(temp, _path, overwrite: true);
    }

    public sealed record Journal(string Fingerprint, List<Record> Records);

    public sealed record Record(int TrialId, int? TargetEpochs, string Parameters, TrialStatus Status, double? Metric, double MetricSd,
        int? Epochs, int EpochsSpent, double Seconds, long PeakMemoryBytes, string? Error);
}
