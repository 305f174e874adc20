// The runtime honours this attribute (it is not in the reference assemblies, so each assembly declares its own):
// it lets this assembly call the ML.NET internals that model persistence needs. Compiled into every project that
// imports PublicizeMLNet.targets.
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Core")]
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Data")]

namespace System.Runtime.CompilerServices
{
    /// <summary>Grants this assembly access to the named assembly's non-public members at run time.</summary>
    [AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
    internal sealed class IgnoresAccessChecksToAttribute : Attribute
    {
        /// <summary>Names the assembly whose access checks are ignored.</summary>
        public IgnoresAccessChecksToAttribute(string assemblyName) => AssemblyName = assemblyName;

        /// <summary>The assembly whose access checks are ignored.</summary>
        public string AssemblyName { get; }
    }
}
