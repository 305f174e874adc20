using Microsoft.ML;
using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Transforms.Persistence;
using Xunit.Abstractions;

namespace MLNet.Extensions.Trainers.Tests.Trust;

/// <summary>
/// Deterministic fuzzing of saved CNN, GRU and forecaster (without and with a covariate) models: bit flips in the raw zip, truncations, damage inside
/// entries re-zipped with valid CRC-32s, every early payload field set to edge values (with the checksum recomputed, as
/// a deliberate edit would), entries deleted and swapped. Each file goes through <see cref="ModelFile.Verify(Stream)"/>,
/// <c>Model.Load</c> and scoring and must give the original scores or a clear exception, within a time and an
/// allocation bound. Damage inside ML.NET's own entries re-zipped with valid CRCs is not tried: nothing of ours reads
/// those entries (README, "Errors you may see").
/// </summary>
public sealed class ModelFuzzTests : IClassFixture<TinyModels>
{
    private static readonly int[] EdgeValues = [0, -1, 1, int.MaxValue, 1 << 24, 1_000_000];

    // Payload bytes whose fields are edited: the architecture, settings and column names come first, the weights after.
    private const int EditedFieldBytes = 160;

    private readonly TinyModels _models;
    private readonly ITestOutputHelper _output;

    public ModelFuzzTests(TinyModels models, ITestOutputHelper output)
    {
        _models = models;
        _output = output;
    }

    private enum Outcome { Identical, ClearError, ValidEdit }

    [Fact]
    public void DamagedModelsLoadIdenticallyOrFailClearlyWithinBoundedTimeAndMemory()
    {
        int tried = 0, identical = 0, clear = 0, validEdits = 0;
        var failures = new List<string>();
        foreach (TinyModels.Saved saved in _models.All)
        {
            var ml = new MLContext(seed: 1);
            Attempt(ml, saved, saved.File); // warm-up: the first load registers our assemblies and compiles
            (string[] expected, long baseline) = Attempt(ml, saved, saved.File);
            foreach (var (kind, file, resealed) in Damaged(saved))
            {
                tried++;
                var (scores, allocated, error) = TryAttempt(ml, saved, file, out bool hung);
                if (hung)
                {
                    failures.Add($"{saved.Name} {kind}: did not finish in time");
                    break;
                }
                // Unchecked damage is rejected before parsing: only the entry's copy is allocated. A deliberate edit may
                // describe a larger network, whose scoring workspace the loader caps at NetworkFormat.MaxLoadedWorkspaceFloats.
                long bound = baseline + (resealed ? 4 * NetworkFormat.MaxLoadedWorkspaceFloats + (8 << 20) : 4 << 20);
                if (allocated > bound)
                    failures.Add($"{saved.Name} {kind}: allocated {allocated:N0} bytes (bound {bound:N0})");
                Outcome? outcome = error is null
                    ? scores!.SequenceEqual(expected) ? Outcome.Identical : resealed ? Outcome.ValidEdit : null
                    : IsClear(error, lenient: resealed || kind.EndsWith("deleted") || kind.EndsWith("swapped")) ? Outcome.ClearError : null;
                switch (outcome)
                {
                    case Outcome.Identical: identical++; break;
                    case Outcome.ClearError: clear++; break;
                    case Outcome.ValidEdit: validEdits++; break;
                    default:
                        failures.Add(error is null ? $"{saved.Name} {kind}: loaded and scored differently without an error"
                            : $"{saved.Name} {kind}: unclear {Describe(error)}");
                        break;
                }
            }
        }
        _output.WriteLine($"files tried {tried}, identical {identical}, clear errors {clear}, deliberate edits that loaded as another valid model {validEdits}");
        var kinds = failures.GroupBy(f => f.Split(": ", 2)[^1].Split('\n')[0][..Math.Min(90, f.Split(": ", 2)[^1].Split('\n')[0].Length)])
            .Select(g => $"{g.Count()} x {g.Key}\n    e.g. {g.First().Split('\n')[0]}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {tried} damaged files misbehaved:\n{string.Join("\n", kinds)}");
        Assert.True(tried >= 3000, $"only {tried} files tried");
    }

    /// <summary>Every damaged copy of <paramref name="saved"/>, deterministic, with whether our checksum was recomputed.</summary>
    private static IEnumerable<(string Kind, byte[] File, bool Resealed)> Damaged(TinyModels.Saved saved)
    {
        byte[] file = saved.File;
        var random = new KernelRandom(17);
        for (int i = 0; i < 300; i++)
        {
            byte[] copy = (byte[])file.Clone();
            int at = random.NextInt32(copy.Length), bit = random.NextInt32(8);
            copy[at] ^= (byte)(1 << bit);
            yield return ($"raw bit {bit} of byte {at}", copy, false);
        }
        for (int i = 1; i <= 30; i++)
            yield return ($"truncated to {file.Length * i / 31} bytes", file[..(file.Length * i / 31)], false);

        var entries = ModelZip.Entries(file);
        byte[][] contexts = [ModelZip.Columns("Pixels", "Pixels")];
        for (int e = 0; e < entries.Count; e++)
        {
            var (name, content) = entries[e];
            var payload = ModelZip.FindPayload(content, contexts);
            if (payload is null)
                continue;
            for (int i = 0; i < 200; i++)
            {
                byte[] damaged = (byte[])content.Clone();
                int at = random.NextInt32(damaged.Length);
                if (i % 2 == 0)
                    damaged[at] ^= (byte)(1 << random.NextInt32(8));
                else
                    damaged[at] = (byte)random.NextInt32(256);
                yield return ($"{name} byte {at} changed, re-zipped", Replace(entries, e, damaged), false);
            }
            int fields = Math.Min(EditedFieldBytes, payload.Value.Length - 4);
            for (int offset = 0; offset < fields; offset++)
            {
                foreach (int value in EdgeValues)
                {
                    byte[] edited = (byte[])content.Clone();
                    BitConverter.TryWriteBytes(edited.AsSpan(payload.Value.Start + offset, 4), value);
                    ModelZip.Reseal(edited, payload.Value);
                    yield return ($"{name} payload int32 at {offset} = {value}, resealed", Replace(entries, e, edited), true);
                }
            }
        }
        for (int e = 0; e < entries.Count; e++)
        {
            yield return ($"{entries[e].Name} deleted", ModelZip.Zip(entries.Where((_, i) => i != e)), false);
            for (int f = e + 1; f < entries.Count; f++)
            {
                var swapped = entries.ToList();
                swapped[e] = (entries[e].Name, entries[f].Content);
                swapped[f] = (entries[f].Name, entries[e].Content);
                yield return ($"{entries[e].Name} and {entries[f].Name} swapped", ModelZip.Zip(swapped), false);
            }
        }
    }

    private static byte[] Replace(List<(string Name, byte[] Content)> entries, int index, byte[] content)
    {
        var copy = entries.ToList();
        copy[index] = (entries[index].Name, content);
        return ModelZip.Zip(copy);
    }

    /// <summary>Verify, load and score on a thread of its own, so a hang is reported instead of blocking the run.</summary>
    private static (string[]? Scores, long Allocated, Exception? Error) TryAttempt(MLContext ml, TinyModels.Saved saved, byte[] file, out bool hung)
    {
        (string[]? Scores, long Allocated, Exception? Error) result = default;
        var thread = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                result = (Attempt(ml, saved, file).Scores, 0, null);
            }
            catch (Exception e)
            {
                result = (null, 0, e);
            }
            result.Allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }) { IsBackground = true };
        thread.Start();
        hung = !thread.Join(TimeSpan.FromSeconds(20));
        return result;
    }

    private static (string[] Scores, long Allocated) Attempt(MLContext ml, TinyModels.Saved saved, byte[] file)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        ModelFile.Verify(new MemoryStream(file));
        ITransformer loaded = ml.Model.Load(new MemoryStream(file), out _);
        string[] scores = saved.Score(loaded);
        return (scores, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>
    /// A clear error says the file is damaged or invalid: our <see cref="InvalidDataException"/>s, ML.NET's
    /// <see cref="FormatException"/> for its header and zip checks, or .NET's "Could not load file or assembly" (or "The given assembly name was invalid") for a
    /// damaged loader name in ML.NET's entry header. A <paramref name="lenient"/> check (deliberate edits, entries deleted
    /// or swapped: each entry intact but the pipeline different) also accepts ML.NET's schema errors, which name the column.
    /// </summary>
    private static bool IsClear(Exception error, bool lenient)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is InvalidDataException or FormatException
                || (e is FileNotFoundException or FileLoadException && (e.Message.StartsWith("Could not load file or assembly", StringComparison.Ordinal)
                    || e.Message.StartsWith("The given assembly name was invalid", StringComparison.Ordinal)))
                || (lenient && e is InvalidOperationException or ArgumentException && e.InnerException is null
                    && (e.Message.Contains("column", StringComparison.OrdinalIgnoreCase))))
                return true;
        }
        return false;
    }

    private static string Describe(Exception error)
    {
        var chain = new List<string>();
        for (Exception? e = error; e is not null; e = e.InnerException)
            chain.Add($"{e.GetType().Name}: {e.Message}");
        return string.Join(" <- ", chain.Where(c => !c.StartsWith("TargetInvocationException")));
    }
}
