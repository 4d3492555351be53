using System.Collections;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Infrastructure;

/// <summary>Reads and writes PyTorch state dicts with TorchSharp.PyBridge directly, as a Python user's files would be made.</summary>
internal static class StateDictFiles
{
    public static Dictionary<string, Tensor> Read(string path)
    {
        using var stream = File.OpenRead(path);
        Hashtable table = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true);
        return table.Keys.Cast<string>().ToDictionary(k => k, k => (Tensor)table[k]!, StringComparer.Ordinal);
    }

    /// <summary>Writes any dictionary PyBridge can pickle: tensors, or a checkpoint with nested dictionaries and numbers.</summary>
    public static void Write(string path, IDictionary values)
    {
        using var stream = File.Create(path);
        PyTorchPickler.PickleStateDict(stream, values, leaveOpen: true);
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="target"/> with <paramref name="edit"/> applied to its tensors, and the JSON beside it.</summary>
    public static void Rewrite(string source, string target, Action<Dictionary<string, Tensor>> edit)
    {
        var state = Read(source);
        edit(state);
        Write(target, state);
        File.Copy(Path.ChangeExtension(source, ".json"), Path.ChangeExtension(target, ".json"), overwrite: true);
    }
}
