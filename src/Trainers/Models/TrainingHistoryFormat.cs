using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Models;

/// <summary>
/// Saved training history: int32 count; per epoch: int32 epoch, int32 epochs, float64 lr, float64 train loss,
/// bool + float64 validation loss, bool + float64 validation metric, string metric name, float64 samples/s, int64 elapsed ticks.
/// </summary>
internal static class TrainingHistoryFormat
{
    /// <summary>Writes <paramref name="history"/>.</summary>
    public static void Write(BinaryWriter writer, IReadOnlyList<TrainingProgress> history)
    {
        writer.Write(history.Count);
        foreach (TrainingProgress p in history)
        {
            writer.Write(p.Epoch);
            writer.Write(p.Epochs);
            writer.Write(p.LearningRate);
            writer.Write(p.TrainLoss);
            WriteOptional(writer, p.ValidationLoss);
            WriteOptional(writer, p.ValidationMetric);
            writer.Write(p.MetricName);
            writer.Write(p.SamplesPerSecond);
            writer.Write(p.Elapsed.Ticks);
        }
    }

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    public static TrainingProgress[] Read(BinaryReader reader)
    {
        int epochs = reader.ReadInt32();
        if (epochs is < 0 or > 1_000_000)
            throw new InvalidDataException($"Training history length {epochs} is invalid.");
        var history = new TrainingProgress[epochs];
        for (int i = 0; i < epochs; i++)
        {
            history[i] = new TrainingProgress(reader.ReadInt32(), reader.ReadInt32(), reader.ReadDouble(), reader.ReadDouble(),
                ReadOptional(reader), ReadOptional(reader), reader.ReadString(), reader.ReadDouble(), new TimeSpan(reader.ReadInt64()));
        }
        return history;
    }

    private static void WriteOptional(BinaryWriter writer, double? value)
    {
        writer.Write(value.HasValue);
        writer.Write(value ?? 0);
    }

    private static double? ReadOptional(BinaryReader reader)
    {
        bool has = reader.ReadBoolean();
        double value = reader.ReadDouble();
        return has ? value : null;
    }
}
