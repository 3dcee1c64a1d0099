"""The package map holds: no import cycles between packages (the layers contract in pyproject.toml does the rest)."""

import collections

import grimp


def package_of(module):
    """The package a module counts under: ``marketplace.x``, or ``marketplace.web.x`` / ``marketplace.shop.x``."""
    parts = module.split(".")
    depth = 3 if parts[1:2] in (["web"], ["shop"]) and len(parts) > 2 else 2
    return ".".join(parts[:depth])


def test_no_import_cycles_between_packages():
    graph = grimp.build_graph("marketplace")
    edges = collections.defaultdict(set)
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if package_of(module) != package_of(imported):
                edges[package_of(module)].add(package_of(imported))
    cycles = []
    for start in list(edges):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for target in edges[node]:
                if target == start:
                    cycles.append(path)
                elif target not in path:
                    stack.append((target, [*path, target]))
    assert cycles == []
