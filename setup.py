"""Every directory of addons/ with a tryton.cfg is a module.

They are installed as trytond.modules.<name> with their tests package and
every data file (views, messages, translations, reports, templates,
static files), and registered as trytond.modules entry points, so that a new
module needs no change here.  The metadata and dependencies are in
pyproject.toml.
"""
from pathlib import Path

from setuptools import setup

ADDONS = Path(__file__).resolve().parent / 'addons'


def modules():
    return sorted(p.parent.name for p in ADDONS.glob('*/tryton.cfg'))


def data_files(module):
    root = ADDONS / module
    return sorted(
        str(p.relative_to(root)) for p in root.rglob('*')
        if p.is_file() and p.suffix not in {'.py', '.pyc'}
        and '__pycache__' not in p.parts
        and 'node_modules' not in p.parts)


packages, package_dir, package_data, entry_points = [], {}, {}, []
for module in modules():
    package = f'trytond.modules.{module}'
    package_dir[package] = f'addons/{module}'
    packages.append(package)
    package_data[package] = data_files(module)
    if (ADDONS / module / 'tests' / '__init__.py').exists():
        packages.append(f'{package}.tests')
    entry_points.append(f'{module} = {package}')

setup(
    packages=packages,
    package_dir=package_dir,
    package_data=package_data,
    entry_points={'trytond.modules': entry_points},
    )
